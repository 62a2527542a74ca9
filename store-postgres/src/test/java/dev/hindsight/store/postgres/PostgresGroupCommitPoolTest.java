package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A group-commit writer keeps a connection of its own: with every pooled connection taken (as under a burst of
 * requests, each holding one for an aggregate load), a queued append still commits.
 */
class PostgresGroupCommitPoolTest {
    @Test
    void queuedAppend_commitsWhileEveryPooledConnectionIsTaken() throws Exception {
        String schema = PgTestSupport.newSchema("gcpool");
        // No linger: a lone append takes the pooled path, which this test blocks.
        PostgresOptions options = PgTestSupport.groupCommitOptions(schema, Duration.ZERO)
                .withPoolSize(2)
                .withRetryFor(Duration.ofSeconds(10));
        List<Connection> taken = new ArrayList<>();
        try (PostgresEventLog log = PostgresEventLog.open(options);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            EventStore store = EventStore.of(log);
            HikariDataSource pool = (HikariDataSource) log.dataSource();
            // Overlapping appends until the writer has run a batch (and so holds its connection).
            for (int round = 0; log.groupCommitStats().batches() == 0; round++) {
                assertThat(round).as("rounds of overlapping appends").isLessThan(50);
                List<Future<AppendResult>> burst = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    String id = "warm-" + round + "-" + i;
                    burst.add(threads.submit(() -> store.append(id, ExpectedVersion.ANY, EventData.of("E", "{}"))));
                }
                for (Future<AppendResult> f : burst) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            // Take every connection the pool can still hand out; a lone append then waits for a pooled connection (one
            // that overlaps it goes to the writer). If a connection came back to the pool meanwhile (the lone append
            // found one and committed), take that one too and try again.
            CompletableFuture<AppendResult> lone;
            for (int attempt = 0; ; attempt++) {
                while (pool.getHikariPoolMXBean().getTotalConnections() < pool.getMaximumPoolSize()
                        || pool.getHikariPoolMXBean().getIdleConnections() > 0) {
                    taken.add(pool.getConnection());
                }
                String id = "lone-" + attempt;
                lone = CompletableFuture.supplyAsync(
                        () -> store.append(id, ExpectedVersion.ANY, EventData.of("E", "{}")), threads);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (pool.getHikariPoolMXBean().getThreadsAwaitingConnection() == 0
                        && !lone.isDone()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                if (pool.getHikariPoolMXBean().getThreadsAwaitingConnection() > 0) {
                    break;
                }
                assertThat(attempt)
                        .as("tries until a lone append waits for the pool")
                        .isLessThan(4);
            }

            Future<AppendResult> queued =
                    threads.submit(() -> store.append("queued", ExpectedVersion.ANY, EventData.of("E", "{}")));

            assertThat(queued.get(5, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
            assertThat(lone).isNotDone();
            for (Connection c : taken) {
                c.close();
            }
            taken.clear();
            assertThat(lone.get(30, TimeUnit.SECONDS).lastVersion()).isEqualTo(1);
        } finally {
            for (Connection c : taken) {
                c.close();
            }
            PgTestSupport.dropSchema(schema);
        }
    }
}
