package dev.hindsight.store.postgres;

import static dev.hindsight.store.postgres.GlobalLogChecks.assertDeliveredExactly;
import static dev.hindsight.store.postgres.GlobalLogChecks.assertWellFormed;
import static dev.hindsight.store.postgres.GlobalLogChecks.readWholeLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.store.postgres.GlobalLogChecks.Follower;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults: while writers append and subscribers follow the log, every backend of the store's sessions (pool, listener,
 * group-commit writers) is killed with {@code pg_terminate_backend} again and again. Appends must either succeed or
 * fail with the retryable {@link StoreUnavailableException}, and never half-apply; no acknowledged event may be lost;
 * subscribers resume from their position without gaps or duplicates; and afterwards the store works again by itself.
 * Two stores share the schema: one appends alone and does not retry (so appends do fail, some after their commit),
 * the other uses group commit and retries for a second (appends that lost their connection are retried, which is safe
 * because appends are idempotent by event id).
 */
class PostgresFaultsIT {
    private static final int WRITERS = 8;
    private static final int AGGREGATES = 50;
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("hindsight.faults.seconds", 4));
    private static final Duration KILL_EVERY = Duration.ofMillis(250);

    private String schema;
    private String application;
    private final List<PostgresEventLog> logs = new ArrayList<>();

    @BeforeEach
    void createSchema() {
        schema = PgTestSupport.newSchema("faults");
        application = "hindsight-faults-" + schema;
    }

    @AfterEach
    void dropSchema() throws Exception {
        logs.forEach(PostgresEventLog::close);
        PgTestSupport.dropSchema(schema);
    }

    /** One append a writer made: its events and how it ended. */
    private record Attempt(String aggregateId, List<UUID> ids, boolean acknowledged) {}

    @Test
    void backendsKilledRepeatedly_appendsAllOrNothing_noAcknowledgedEventLost_subscribersExact() throws Exception {
        PostgresOptions options =
                PgTestSupport.options(schema).withPoolSize(WRITERS + 2).withApplicationName(application);
        PostgresEventLog plain = open(options.withRetryFor(Duration.ZERO));
        PostgresEventLog grouped =
                open(options.withRetryFor(Duration.ofSeconds(1)).withGroupCommit(true, 2));
        List<EventStore> stores = List.of(EventStore.of(plain), EventStore.of(grouped));
        List<Follower> followers = List.of(new Follower(stores.get(0), "plain"), new Follower(stores.get(1), "group"));

        ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        AtomicInteger kills = new AtomicInteger();
        long deadline = System.nanoTime() + RUN.toNanos();
        Thread killer = Thread.ofPlatform().name("killer").start(() -> {
            while (System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(KILL_EVERY);
                    kills.addAndGet(killBackends());
                } catch (Exception e) {
                    unexpected.compareAndSet(null, e);
                    return;
                }
            }
        });
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            EventStore store = stores.get(w % 2);
            SplittableRandom random = new SplittableRandom(w);
            writers.add(Thread.ofPlatform().name("faults-writer-" + w).start(() -> {
                while (System.nanoTime() - deadline < 0) {
                    String aggregate = "faults-" + random.nextInt(AGGREGATES);
                    List<EventData> batch = new ArrayList<>();
                    for (int i = random.nextInt(1, 4); i > 0; i--) {
                        batch.add(EventData.of("Faulted", "{\"i\":" + i + "}").withId(UUID.randomUUID()));
                    }
                    List<UUID> ids = batch.stream().map(EventData::eventId).toList();
                    try {
                        store.append(aggregate, ExpectedVersion.ANY, batch);
                        attempts.add(new Attempt(aggregate, ids, true));
                    } catch (StoreUnavailableException e) {
                        attempts.add(new Attempt(aggregate, ids, false));
                    } catch (HindsightException | IllegalStateException e) {
                        unexpected.compareAndSet(null, e);
                    }
                }
            }));
        }
        for (Thread t : writers) {
            t.join();
        }
        killer.join();
        assertThat(unexpected.get())
                .as("nothing but StoreUnavailableException may fail")
                .isNull();
        assertThat(kills.get()).as("backends killed").isGreaterThan(WRITERS);
        assertThat(attempts).as("some appends failed").anyMatch(a -> !a.acknowledged());

        // The stores recover by themselves: the retrying one appends at once; the one that does not retry may fail
        // once more on a connection the pool had not yet found dead, and a client retry (same event id) then works.
        stores.get(1).append("after-faults", ExpectedVersion.NO_STREAM, EventData.of("Recovered", "{}"));
        EventData again = EventData.of("Recovered", "{}").withId(UUID.randomUUID());
        for (int attempt = 1; ; attempt++) {
            try {
                stores.get(0).append("after-faults", ExpectedVersion.exact(1), again);
                break;
            } catch (StoreUnavailableException e) {
                assertThat(attempt).as("attempts after the faults stopped").isLessThan(WRITERS + 4);
            }
        }
        awaitListening();

        List<RecordedEvent> log = readWholeLog(stores.get(0));
        assertWellFormed(log);
        Map<UUID, RecordedEvent> stored = log.stream().collect(Collectors.toMap(RecordedEvent::eventId, e -> e));
        int acknowledged = 0;
        int failed = 0;
        int failedButStored = 0;
        Set<UUID> attempted = new HashSet<>();
        for (Attempt a : attempts) {
            attempted.addAll(a.ids());
            long present = a.ids().stream().filter(stored::containsKey).count();
            if (a.acknowledged()) {
                acknowledged++;
                assertThat(present)
                        .as("acknowledged append to %s is stored", a.aggregateId())
                        .isEqualTo(a.ids().size());
            } else {
                failed++;
                assertThat(present)
                        .as("failed append to %s is all or nothing", a.aggregateId())
                        .isIn(0L, (long) a.ids().size());
                failedButStored += present > 0 ? 1 : 0;
            }
        }
        assertThat(log)
                .filteredOn(e -> !e.aggregateId().equals("after-faults"))
                .allSatisfy(e -> assertThat(attempted).contains(e.eventId()));

        Position head = stores.get(0).head();
        int resubscriptions = 0;
        for (int i = 0; i < followers.size(); i++) {
            Follower f = followers.get(i);
            f.awaitCaughtUp(head, Duration.ofSeconds(30));
            f.close();
            resubscriptions += f.resubscriptions();
            assertDeliveredExactly("subscriber " + i, f.received(), log);
        }
        System.out.printf(
                "faults: %d backends killed in %d s; %d appends acknowledged, %d failed with"
                        + " StoreUnavailableException (%d of them had committed); %d events; subscribers resubscribed %d"
                        + " times and each received all events exactly once in order%n",
                kills.get(), RUN.toSeconds(), acknowledged, failed, failedButStored, log.size(), resubscriptions);
    }

    private PostgresEventLog open(PostgresOptions options) {
        PostgresEventLog log = PostgresEventLog.open(options);
        logs.add(log);
        return log;
    }

    private int killBackends() throws Exception {
        try (Connection c = PgTestSupport.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?"
                                + " AND pid <> pg_backend_pid()")) {
            ps.setString(1, application);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!logs.stream().allMatch(PostgresEventLog::listening)) {
            assertThat(System.nanoTime() - deadline).as("listeners reconnect").isNegative();
            Thread.sleep(10);
        }
    }
}
