package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.projection.internal.Switches;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live runner's page linger ({@code hindsight.projection.pageLingerMs}): woken by a commit, it waits before it
 * reads, so that commits arriving meanwhile land in the same page; the default depends on the read model's database.
 */
class PageLingerTest {
    private static final String PROPERTY = "hindsight.projection.pageLingerMs";

    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(PROPERTY);
    }

    /** Records when (System.nanoTime) each event was applied, by aggregate id. */
    private static final class Timed implements Projection {
        final Map<String, Long> applied = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "timed";
        }

        @Override
        public List<String> tables() {
            return List.of("timed_rows");
        }

        @Override
        public void createTables(SqlSession s) throws SQLException {
            try (Statement st = s.connection().createStatement()) {
                st.execute("CREATE TABLE " + s.table("timed_rows") + " (id TEXT PRIMARY KEY)");
            }
        }

        @Override
        public void apply(RecordedEvent e, SqlSession s) {
            applied.put(e.aggregateId(), System.nanoTime());
        }
    }

    @Test
    void liveRunner_withLinger_appliesCommitsOfTheLingerInOnePage() throws Exception {
        System.setProperty(PROPERTY, "50"); // the most it takes
        Timed timed = new Timed();
        try (EventStore store = EventStore.of(FileEventLog.open(
                        FileLogOptions.defaults(dir.resolve("log")).withFsync(FsyncPolicy.NEVER)));
                ReadModelDatabase db = ReadModelDatabase.sqlite(dir.resolve("rm.db"));
                ProjectionEngine engine =
                        ProjectionEngine.builder(store, db).add(timed).build().start()) {
            AppendResult first = store.append("e0", ExpectedVersion.ANY, EventData.of("E", "{}"));
            assertThat(engine.awaitPosition("timed", first.position(), Duration.ofSeconds(10)))
                    .isTrue();
            Thread.sleep(200); // the runner's linger after that page, then its empty read: it waits for a commit

            long[] appendedAt = new long[5];
            AppendResult last = null;
            for (int i = 1; i <= 5; i++) {
                appendedAt[i - 1] = System.nanoTime();
                last = store.append("e" + i, ExpectedVersion.ANY, EventData.of("E", "{}"));
                Thread.sleep(4);
            }
            assertThat(engine.awaitPosition("timed", last.position(), Duration.ofSeconds(10)))
                    .isTrue();

            long lastAppend = appendedAt[4];
            for (int i = 1; i <= 5; i++) {
                assertThat(timed.applied.get("e" + i))
                        .as("e%d is applied after the last append (one page)", i)
                        .isGreaterThan(lastAppend);
            }
            assertThat(timed.applied.get("e1") - appendedAt[0])
                    .as("the runner lingered after the first commit woke it")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(45).toNanos());
        }
    }

    @Test
    void pageLinger_byDatabaseAndProperty_defaultsOnPostgresOnlyAndIsBounded() {
        assertThat(Switches.pageLingerMillis(Dialect.POSTGRES)).isEqualTo(5);
        assertThat(Switches.pageLingerMillis(Dialect.SQLITE)).isZero();
        System.setProperty(PROPERTY, "0");
        assertThat(Switches.pageLingerMillis(Dialect.POSTGRES)).isZero();
        System.setProperty(PROPERTY, "9999");
        assertThat(Switches.pageLingerMillis(Dialect.SQLITE)).isEqualTo(50);
        System.setProperty(PROPERTY, "soon");
        assertThatThrownBy(() -> Switches.pageLingerMillis(Dialect.POSTGRES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(PROPERTY);
    }
}
