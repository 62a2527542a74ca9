package dev.hindsight.store.postgres;

import static dev.hindsight.store.postgres.GlobalLogChecks.assertDeliveredExactly;
import static dev.hindsight.store.postgres.GlobalLogChecks.assertWellFormed;
import static dev.hindsight.store.postgres.GlobalLogChecks.readWholeLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.store.postgres.GlobalLogChecks.Follower;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The global order under load: 32 writers append to random aggregates for {@code hindsight.stress.seconds} (default
 * 5) while 4 subscribers follow the log; every subscriber must receive exactly the acknowledged events, in the log's
 * order, each once, and the log must be well-formed (positions increasing, every aggregate's versions 1, 2, 3 ... in
 * log order). Run once with one store whose sessions commit synchronously, and once with two stores on one schema,
 * one of them with {@code synchronous_commit = off} and group commit, writers and subscribers split between them (the
 * second store's subscribers learn of the first's commits through LISTEN/NOTIFY).
 */
class PostgresGlobalOrderStressIT {
    private static final int WRITERS = 32;
    private static final int SUBSCRIBERS = 4;
    private static final int AGGREGATES = 500;
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("hindsight.stress.seconds", 5));

    private String schema;
    private final List<PostgresEventLog> logs = new ArrayList<>();

    @BeforeEach
    void createSchema() {
        schema = PgTestSupport.newSchema("stress");
    }

    @AfterEach
    void dropSchema() throws Exception {
        logs.forEach(PostgresEventLog::close);
        PgTestSupport.dropSchema(schema);
    }

    @Test
    void writersOnRandomAggregates_everySubscriberGetsExactlyTheCommittedEventsInOrder() throws Exception {
        PostgresEventLog log = open(PgTestSupport.options(schema).withPoolSize(WRITERS + 4));

        run("synchronous", List.of(EventStore.of(log)));
    }

    @Test
    void asyncCommitSessionsMixedIn_everySubscriberGetsExactlyTheCommittedEventsInOrder() throws Exception {
        PostgresOptions options = PgTestSupport.options(schema).withPoolSize(WRITERS / 2 + 4);
        PostgresEventLog sync = open(options);
        PostgresEventLog async = open(options.withSynchronousCommit(false)
                .withGroupCommit(true, 2)
                .withApplicationName("hindsight-test-async-" + schema));

        run("mixed", List.of(EventStore.of(sync), EventStore.of(async)));
    }

    private PostgresEventLog open(PostgresOptions options) {
        PostgresEventLog log = PostgresEventLog.open(options);
        logs.add(log);
        return log;
    }

    private void run(String mode, List<EventStore> stores) throws Exception {
        List<Follower> followers = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            followers.add(new Follower(stores.get(i % stores.size()), mode + "-" + i));
        }
        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong appends = new AtomicLong();
        long deadline = System.nanoTime() + RUN.toNanos();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            EventStore store = stores.get(w % stores.size());
            SplittableRandom random = new SplittableRandom(w);
            writers.add(Thread.ofPlatform().name("stress-writer-" + w).start(() -> {
                try {
                    while (System.nanoTime() - deadline < 0) {
                        List<EventData> batch = new ArrayList<>();
                        for (int i = random.nextInt(1, 4); i > 0; i--) {
                            batch.add(EventData.of("Stressed", "{\"n\":" + random.nextInt() + "}")
                                    .withId(UUID.randomUUID()));
                        }
                        store.append("stress-" + random.nextInt(AGGREGATES), ExpectedVersion.ANY, batch);
                        batch.forEach(e -> acknowledged.add(e.eventId()));
                        appends.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (Thread t : writers) {
            t.join();
        }
        assertThat(failure.get()).as("no append failed").isNull();

        EventStore reader = stores.getFirst();
        List<RecordedEvent> log = readWholeLog(reader);
        Position head = reader.head();
        assertThat(log.stream().map(RecordedEvent::eventId).toList())
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(acknowledged);
        assertThat(log.getLast().position()).isEqualTo(head);
        assertWellFormed(log);
        for (Follower f : followers) {
            f.awaitCaughtUp(head, Duration.ofSeconds(30));
        }
        for (int i = 0; i < followers.size(); i++) {
            Follower f = followers.get(i);
            f.close();
            assertThat(f.resubscriptions()).as("subscriber %d never failed", i).isZero();
            assertDeliveredExactly("subscriber " + i, f.received(), log);
        }
        System.out.printf(
                "stress %s: %d writers x %d s: %d appends, %d events (%.0f events/s), %d subscribers each"
                        + " received all %d in order%n",
                mode,
                WRITERS,
                RUN.toSeconds(),
                appends.get(),
                log.size(),
                log.size() / (double) RUN.toSeconds(),
                SUBSCRIBERS,
                log.size());
    }
}
