package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.Zstd;
import dev.hindsight.archive.S3ServerExtension;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.testkit.ForwardingObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The export-and-delete half of the PostgreSQL archive (ADR 0017) against a real S3-compatible server (s3proxy):
 * ranges in the file engine's segment format, verified, listed in the manifest, then deleted but each aggregate's
 * last event; a bad upload deletes nothing. Reads falling through to the archive: {@link PostgresArchiveReadIT}.
 */
class PostgresArchiveIT {
    private static final String BUCKET = "pgarchive";

    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension(BUCKET);

    private String schema;
    private PostgresEventLog log;
    private EventStore store;

    @BeforeEach
    void open() {
        schema = PgTestSupport.newSchema("archive");
        log = PostgresEventLog.open(PgTestSupport.options(schema));
        store = EventStore.of(log);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        PgTestSupport.dropSchema(schema);
    }

    private List<RecordedEvent> fill() {
        for (int i = 0; i < 300; i++) {
            store.append("acc-" + (i % 10), ExpectedVersion.ANY, EventData.of("Deposited", "{\"i\":" + i + "}"));
        }
        return all();
    }

    private List<RecordedEvent> all() {
        List<RecordedEvent> out = new ArrayList<>();
        Position p = Position.START;
        while (true) {
            var s = log.readAll(p, 100, EventFilter.ALL);
            if (s.events().isEmpty()) {
                return out;
            }
            out.addAll(s.events());
            p = s.next();
        }
    }

    /** Rows in the events table (archived ones are gone from it, but each aggregate's last event). */
    private long rows() throws java.sql.SQLException {
        try (var c = PgTestSupport.connect();
                var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM " + schema + ".events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** "Now" for the archive runs: later than every event the tests write (a slow machine takes minutes). */
    private static final Instant SOON = Instant.now().plusSeconds(3600);

    @Test
    void archiveNow_exportsFullRangesInTheSegmentFormat_thenDeletesAllButLastEvents() throws Exception {
        ObjectStore st = S3.store(schema);
        List<RecordedEvent> written = fill();

        assertThat(log.archiveNow(st, Duration.ofDays(1), SOON, log.head(), 100).segments())
                .isZero(); // too young
        StorageUse.ArchiveRun run = log.archiveNow(st, Duration.ZERO, SOON, log.head(), 100);
        assertThat(run.error()).isNull();
        assertThat(run.segments()).isEqualTo(3);
        assertThat(run.events()).isEqualTo(300);

        List<String> keys = st.list("postgres/segments/");
        assertThat(keys).hasSize(3);
        List<RecordedEvent> decoded = new ArrayList<>();
        for (String k : keys.stream().sorted().toList()) {
            decoded.addAll(decode(st.get(k)));
        }
        assertThat(decoded).isEqualTo(written);
        JsonNode manifest = Json.mapper().readTree(st.get("postgres/manifest.json"));
        assertThat(manifest.path("segments")).hasSize(3);
        assertThat(manifest.path("segments").get(0).path("records").asInt()).isEqualTo(100);

        // the rows are gone but each aggregate's last event, which carries its version; reads fall through
        assertThat(rows()).isEqualTo(10);
        assertThat(all()).isEqualTo(written);
        assertThat(log.aggregateVersion("acc-3")).isEqualTo(30);
        store.append("acc-3", ExpectedVersion.exact(30), EventData.of("Deposited", "{}"));
        assertThat(log.archiveNow(st, Duration.ZERO, SOON, log.head(), 100).segments())
                .isZero(); // no full range
    }

    @Test
    void restoreArchive_putsTheArchivedRowsBack_andAFollowingRunArchivesThemAgain() throws Exception {
        ObjectStore st = S3.store(schema);
        List<RecordedEvent> written = fill();
        assertThat(log.archiveNow(st, Duration.ZERO, SOON, log.head(), 100).segments())
                .isEqualTo(3);
        assertThat(rows()).isEqualTo(10);

        RestoredArchive restored = log.restoreArchive(st);
        assertThat(restored.segments()).isEqualTo(3);
        assertThat(restored.events()).isEqualTo(300);
        assertThat(restored.inserted()).isEqualTo(290); // the 10 kept last events were still there
        assertThat(all()).isEqualTo(written);
        assertThat(log.readAggregate("acc-3", 1, 100, ReadDirection.FORWARD)).hasSize(30);
        assertThat(log.restoreArchive(st).inserted()).isZero(); // a second restore adds nothing

        // the archived position was forgotten: the next run exports the same ranges (same keys) and deletes again
        assertThat(log.archiveNow(st, Duration.ZERO, SOON, log.head(), 100).segments())
                .isEqualTo(3);
        assertThat(st.list("postgres/segments/")).hasSize(3);
        assertThat(rows()).isEqualTo(10);
        assertThat(all()).isEqualTo(written);
    }

    @Test
    void restoreArchive_rebuildsAStoreInAnEmptySchema() throws Exception {
        ObjectStore st = S3.store(schema);
        List<RecordedEvent> written = fill();
        log.archiveNow(st, Duration.ZERO, SOON, log.head(), 100);

        String fresh = PgTestSupport.newSchema("restored");
        try (PostgresEventLog rebuilt = PostgresEventLog.open(PgTestSupport.options(fresh))) {
            assertThat(rebuilt.restoreArchive(st).inserted()).isEqualTo(300);
            List<RecordedEvent> read = new ArrayList<>();
            Position p = Position.START;
            while (true) {
                var slice = rebuilt.readAll(p, 100, EventFilter.ALL);
                if (slice.events().isEmpty()) {
                    break;
                }
                read.addAll(slice.events());
                p = slice.next();
            }
            assertThat(read).isEqualTo(written);
            assertThat(rebuilt.aggregateVersion("acc-3")).isEqualTo(30);
            EventStore again = EventStore.of(rebuilt);
            assertThat(again.append("acc-3", ExpectedVersion.exact(30), EventData.of("Deposited", "{}"))
                            .lastVersion())
                    .isEqualTo(31);
            // event ids stay unique across the restored history
            RecordedEvent old = written.get(5);
            assertThat(again.append(
                                    old.aggregateId(),
                                    ExpectedVersion.ANY,
                                    EventData.of("Deposited", old.eventData()).withId(old.eventId()))
                            .lastVersion())
                    .as("a retry of an archived event's id is recognised, not stored again")
                    .isEqualTo(old.version());
        } finally {
            PgTestSupport.dropSchema(fresh);
        }
    }

    @Test
    void restoreArchive_refusesAnObjectThatDoesNotMatchItsManifest() throws Exception {
        ObjectStore st = S3.store(schema);
        fill();
        log.archiveNow(st, Duration.ZERO, SOON, log.head(), 100);
        String key = st.list("postgres/segments/").stream().sorted().toList().get(1);
        byte[] bytes = st.get(key);
        bytes[bytes.length / 2] ^= 1;
        st.put(key, bytes);

        assertThatThrownBy(() -> log.restoreArchive(st))
                .hasMessageContaining(key)
                .hasMessageContaining("MD5");
    }

    @Test
    void archiveNow_stopsAtWhatConsumersApplied() throws Exception {
        ObjectStore st = S3.store(schema);
        List<RecordedEvent> written = fill();
        var run = log.archiveNow(st, Duration.ZERO, SOON, written.get(149).position(), 100);
        assertThat(run.segments()).isEqualTo(1);
        assertThat(all()).containsAll(written.subList(100, 300));
    }

    @Test
    void archiveNow_badUpload_deletesNothing_andSaysWhy() throws Exception {
        ObjectStore real = S3.store(schema);
        ObjectStore corrupting = new Corrupting(real);
        List<RecordedEvent> written = fill();
        var run = log.archiveNow(corrupting, Duration.ZERO, SOON, log.head(), 100);
        assertThat(run.segments()).isZero();
        assertThat(run.error()).contains("does not match");
        assertThat(all()).isEqualTo(written);
        assertThat(log.archiveNow(real, Duration.ZERO, SOON, log.head(), 100).segments())
                .isEqualTo(3); // retried
        assertThat(real.list("postgres/segments/")).hasSize(3);
    }

    /** Decodes a segment object by its documented layout (store-file package-info), checking every CRC. */
    private static List<RecordedEvent> decode(byte @Nullable [] z) {
        assertThat(z).isNotNull();
        ByteBuffer h = ByteBuffer.wrap(z);
        assertThat(new String(z, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("HSZLOG01");
        assertThat(h.getInt(44)).isEqualTo(crc(z, 0, 44));
        int blocks = h.getInt(20);
        long table = h.getLong(24);
        int extent = h.getInt(32);
        int records = h.getInt(36);
        assertThat(h.getInt((int) table + blocks * 20)).isEqualTo(crc(z, (int) table, blocks * 20));
        byte[] plain = new byte[extent];
        for (int i = 0; i < blocks; i++) {
            int at = (int) table + i * 20;
            int start = h.getInt(at);
            int end = i + 1 < blocks ? h.getInt(at + 20) : extent;
            int off = (int) h.getLong(at + 4);
            int len = h.getInt(at + 12);
            assertThat(h.getInt(at + 16)).isEqualTo(crc(z, off, len));
            byte[] block = Zstd.decompress(java.util.Arrays.copyOfRange(z, off, off + len), end - start);
            System.arraycopy(block, 0, plain, start, block.length);
        }
        List<RecordedEvent> out = new ArrayList<>();
        ByteBuffer p = ByteBuffer.wrap(plain);
        int off = 64;
        for (int r = 0; r < records; r++) {
            int n = p.getInt(off);
            assertThat(p.getInt(off + 4)).isEqualTo(crc(plain, off + 8, 1 + n));
            int b = off + 9;
            int aggLen = p.getShort(b + 56);
            int typeLen = p.getShort(b + 58);
            int dataLen = p.getInt(b + 60);
            int metaLen = p.getInt(b + 64);
            int v = b + 76;
            long micros = p.getLong(b + 16);
            out.add(new RecordedEvent(
                    new java.util.UUID(p.getLong(b + 40), p.getLong(b + 48)),
                    new String(plain, v, aggLen, StandardCharsets.UTF_8),
                    new String(plain, v + aggLen, typeLen, StandardCharsets.UTF_8),
                    p.getInt(b + 36),
                    new String(plain, v + aggLen + typeLen, dataLen, StandardCharsets.UTF_8),
                    new String(plain, v + aggLen + typeLen + dataLen, metaLen, StandardCharsets.UTF_8),
                    p.getLong(b + 8),
                    Position.of(p.getLong(b)),
                    Instant.ofEpochSecond(p.getLong(b + 24), p.getInt(b + 32)),
                    Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000)));
            off += 9 + n;
        }
        assertThat(off).isEqualTo(extent);
        return out;
    }

    private static int crc(byte[] a, int from, int len) {
        CRC32C c = new CRC32C();
        c.update(a, from, len);
        return (int) c.getValue();
    }

    /** A real store whose uploads arrive with one byte flipped (a damaged transfer). */
    private static final class Corrupting extends ForwardingObjectStore {
        Corrupting(ObjectStore real) {
            super(real);
        }

        @Override
        public void put(String key, byte[] bytes) throws IOException {
            byte[] copy = bytes.clone();
            if (key.endsWith(".zlog")) {
                copy[copy.length / 2] ^= 1;
            }
            delegate.put(key, copy);
        }
    }
}
