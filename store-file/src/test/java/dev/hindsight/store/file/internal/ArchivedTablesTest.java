package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local block-table file: what it accepts, what it refuses, and when it asks the object. */
class ArchivedTablesTest {
    @TempDir
    Path dir;

    private static final ArchiveManifest.Entry ENTRY = entry(1, "0123456789abcdef0123456789abcdef");

    private static ArchiveManifest.Entry entry(long base, String md5) {
        return new ArchiveManifest.Entry("segments/x.zlog", base, 100, 9000, 3, 5000, 5064, md5, 0, 0);
    }

    private static byte[] table(int blocks, int seed) {
        ByteBuffer b = ByteBuffer.allocate(blocks * CompressedSegment.TABLE_ENTRY + 4);
        for (int i = 0; i < blocks; i++) {
            b.putInt(64 + i * 3000).putLong(64 + i * 1000L + seed).putInt(1000).putInt(i * 7 + seed);
        }
        b.putInt(CompressedSegment.crc(b.array(), 0, blocks * CompressedSegment.TABLE_ENTRY));
        return b.array();
    }

    @Test
    void read_validLocalCopy_doesNotAskTheObject() throws Exception {
        ArchivedTables t = new ArchivedTables(dir);
        byte[] raw = table(3, 0);
        t.write(ENTRY, raw);
        assertThat(t.read(ENTRY, () -> {
                    throw new AssertionError("the object was asked");
                }))
                .isEqualTo(raw);
        assertThat(t.refetched()).isZero();
        assertThat(Files.size(t.file(1))).isEqualTo(ArchivedTables.HEADER + raw.length);
    }

    @Test
    void read_copyOfAnotherObject_isReplacedByTheObjectsTable() throws Exception {
        ArchivedTables t = new ArchivedTables(dir);
        t.write(entry(1, "ffffffffffffffffffffffffffffffff"), table(3, 1)); // same base, another upload
        byte[] raw = table(3, 0);
        AtomicInteger asked = new AtomicInteger();
        assertThat(t.read(ENTRY, () -> {
                    asked.incrementAndGet();
                    return raw;
                }))
                .isEqualTo(raw);
        assertThat(asked).hasValue(1);
        assertThat(ArchivedTables.check(Files.readAllBytes(t.file(1)), ENTRY)).isNull();
    }

    @Test
    void check_damagedOrTruncated_saysWhat() throws Exception {
        ArchivedTables t = new ArchivedTables(dir);
        t.write(ENTRY, table(3, 0));
        byte[] ok = Files.readAllBytes(t.file(1));
        byte[] body = ok.clone();
        body[ArchivedTables.HEADER + 5] ^= 1;
        byte[] header = ok.clone();
        header[14] ^= 1;
        assertThat(ArchivedTables.check(body, ENTRY)).contains("table checksum");
        assertThat(ArchivedTables.check(header, ENTRY)).contains("header");
        assertThat(ArchivedTables.check(java.util.Arrays.copyOf(ok, ok.length - 1), ENTRY))
                .contains("bytes");
    }

    @Test
    void read_objectsTableFailingItsCrc_isReturnedForTheCallerToReport_andNotKept() throws Exception {
        ArchivedTables t = new ArchivedTables(dir);
        byte[] bad = table(3, 0);
        bad[7] ^= 1;
        assertThat(t.read(ENTRY, () -> bad)).isEqualTo(bad);
        assertThat(t.file(1)).doesNotExist();
        assertThatThrownBy(() -> t.write(ENTRY, bad)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void prune_removesTablesTheManifestDoesNotList() throws Exception {
        ArchivedTables t = new ArchivedTables(dir);
        t.write(ENTRY, table(3, 0));
        ArchiveManifest.Entry other = entry(101, "0123456789abcdef0123456789abcdef");
        t.write(other, table(3, 0));
        t.prune(new ArchiveManifest(java.util.List.of(ENTRY)));
        assertThat(t.file(1)).exists();
        assertThat(t.file(101)).doesNotExist();
    }
}
