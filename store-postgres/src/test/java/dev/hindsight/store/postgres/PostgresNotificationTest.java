package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two stores on one schema, as two processes would be: a subscriber of one is woken by LISTEN/NOTIFY when the other
 * appends — promptly, not at its next timed look (the subscription loop looks again every 500 ms) — and waiting
 * without commits costs no queries beyond the first look.
 */
class PostgresNotificationTest {
    private String schema;
    private HikariDataSource poolA;
    private HikariDataSource poolB;
    private PostgresEventLog a;
    private PostgresEventLog b;

    @BeforeEach
    void open() {
        schema = PgTestSupport.newSchema("notify");
        PostgresOptions options = PgTestSupport.options(schema).withPoolSize(4).withPartitions(2);
        poolA = options.openPool();
        poolB = options.openPool();
        a = PostgresEventLog.open(poolA, options);
        b = PostgresEventLog.open(poolB, options.withMigrate(false));
    }

    @AfterEach
    void close() throws Exception {
        a.close();
        b.close();
        poolA.close();
        poolB.close();
        PgTestSupport.dropSchema(schema);
    }

    @Test
    void appendInOneStore_wakesSubscriberOfTheOtherPromptly() throws Exception {
        awaitListening();
        EventStore writer = EventStore.of(a);
        LinkedBlockingQueue<RecordedEvent> received = new LinkedBlockingQueue<>();
        List<Long> latenciesMs = new ArrayList<>();
        try (Subscription sub = EventStore.of(b).subscribe(b.head(), EventFilter.ALL, received::add)) {
            for (int i = 0; i < 15; i++) {
                // Let the subscriber reach its wait, and the notifier's interval pass, before each append.
                Thread.sleep(60);
                long start = System.nanoTime();
                writer.append("notified", ExpectedVersion.exact(i), EventData.of("Pinged", "{\"i\":" + i + "}"));
                RecordedEvent e = received.poll(5, TimeUnit.SECONDS);
                latenciesMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                assertThat(e).as("event %d delivered", i).isNotNull();
                assertThat(e.version()).isEqualTo(i + 1);
            }
            assertThat(sub.failure()).isEmpty();
        }
        List<Long> sorted = latenciesMs.stream().sorted().toList();
        assertThat(sorted.get(sorted.size() / 2))
                .as("median delivery latency in ms, of %s", latenciesMs)
                .isLessThan(250);
    }

    @Test
    void awaitAfter_withoutCommits_timesOutAndWithACommitInTheOtherStoreReturnsTrue() throws Exception {
        awaitListening();
        Position head = b.head();
        long start = System.nanoTime();

        assertThat(b.awaitAfter(head, Duration.ofMillis(300))).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(290);

        Thread appender = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
                EventStore.of(a).append("awaited", ExpectedVersion.NO_STREAM, EventData.of("Done", "{}"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(b.awaitAfter(head, Duration.ofSeconds(5))).isTrue();
        appender.join();
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(a.listening() && b.listening())) {
            assertThat(System.nanoTime() - deadline).as("listeners connected").isNegative();
            Thread.sleep(5);
        }
    }
}
