package dev.hindsight.store.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.archive.LocalObjectStore;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code archive restore --store postgres} into a cluster whose transaction ids are behind the archive's (a new
 * machine): positions are transaction ids (ADR 0004), so the restored events would lie above the visible bound
 * (invisible to {@code readAll}) and every later append would sort before them. The restore refuses and inserts
 * nothing. The archive is written as a busier cluster's archiver would write it (its positions ahead of this one's).
 */
class ArchiveRestoreAheadTest {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    @TempDir
    Path dir;

    @Test
    void restore_archiveFromAClusterFurtherAlong_refusedNamingBothTransactionIds_insertsNothing() throws Exception {
        String schema = "t_restore_ahead_" + UUID.randomUUID().toString().substring(0, 8);
        PostgresOptions options = PostgresOptions.defaults(URL)
                .withCredentials(USER, PASSWORD)
                .withSchema(schema)
                .withPoolSize(4);
        try (PostgresEventLog log = PostgresEventLog.open(options);
                ObjectStore archive = new LocalObjectStore(dir.resolve("archive"))) {
            long aheadXid = nextXid() + 1_000_000;
            List<RecordedEvent> events = new ArrayList<>();
            for (int v = 1; v <= 3; v++) {
                Instant t = Instant.parse("2026-01-01T00:00:0" + v + "Z");
                events.add(new RecordedEvent(
                        UUID.randomUUID(),
                        "acc",
                        "Deposited",
                        1,
                        "{\"v\":" + v + "}",
                        "{}",
                        v,
                        Position.of((aheadXid << 20) + v - 1),
                        t,
                        t));
            }
            put(archive, events);

            assertThatThrownBy(() -> log.restoreArchive(archive))
                    .hasMessageContaining("transaction id")
                    .hasMessageContaining(Long.toString(aheadXid));
            assertThat(rows(schema)).isZero();
        } finally {
            sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    /** One object and a manifest listing it, as {@link PostgresArchiver} writes them. */
    private static void put(ObjectStore archive, List<RecordedEvent> events) throws Exception {
        ArchiveSegmentWriter.Segment s = ArchiveSegmentWriter.write(events, 3);
        long last = ArchiveSegmentWriter.position(events.getLast());
        String key = PostgresArchiver.segmentKey(s.base(), last);
        archive.put(key, s.bytes());
        PostgresArchiver.writeManifest(
                archive,
                key,
                s,
                last,
                PostgresArchiver.md5(s.bytes()),
                events.getLast().timestamp(),
                Instant.now());
    }

    private static long nextXid() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long rows(String schema) throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + ".events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static Connection connect() throws Exception {
        return DriverManager.getConnection(URL, USER, PASSWORD);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Objects.requireNonNull(v);
    }
}
