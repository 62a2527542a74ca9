package dev.hindsight.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offset files: format 2 (anchors and 16-bit differences, wide groups for big records) and format 1 still read. */
class OffsetFileTest {
    @TempDir
    Path dir;

    /** Ascending offsets of records of 40–1,000 bytes, with now and then one of up to 5 MB. */
    private static int[] offsets(Random random, int n) {
        int[] o = new int[n];
        int at = 64;
        for (int i = 0; i < n; i++) {
            o[i] = at;
            at += random.nextInt(50) == 0 ? 70_000 + random.nextInt(5_000_000) : 40 + random.nextInt(960);
        }
        return o;
    }

    @Test
    void format2_roundTripsNarrowAndWideGroups_inAboutHalfTheBytes() throws IOException {
        Random random = new Random(77L);
        for (int n : new int[] {0, 1, 63, 64, 65, 200, 5000}) {
            int[] o = offsets(random, n);
            Path f = dir.resolve("s" + n + ".idx");
            OffsetFile.write(f, 1000, o, n);
            OffsetFile file = OffsetFile.open(f, 1000, n);
            assertThat(file).isNotNull();
            for (int i = 0; i < n; i++) {
                assertThat(file.offset(1000 + i)).as("entry %d of %d", i, n).isEqualTo(o[i]);
            }
        }
        int[] small = new int[5000];
        for (int i = 0; i < small.length; i++) {
            small[i] = 64 + 500 * i;
        }
        Path f = dir.resolve("small.idx");
        OffsetFile.write(f, 1, small, small.length);
        assertThat(Files.size(f)).isLessThan(32 + 2L * small.length + 8L * (small.length / 64 + 1) + 1);
    }

    @Test
    void format1File_isStillRead() throws IOException {
        int[] o = offsets(new Random(3L), 300);
        ByteBuffer b = ByteBuffer.allocate(32 + 4 * o.length);
        b.position(32);
        b.asIntBuffer().put(o);
        CRC32C entries = new CRC32C();
        entries.update(b.array(), 32, 4 * o.length);
        b.putLong(0, 0x48534F4646303031L).putLong(8, 5).putInt(16, o.length).putInt(20, (int) entries.getValue());
        CRC32C header = new CRC32C();
        header.update(b.array(), 0, 28);
        b.putInt(28, (int) header.getValue());
        Path f = dir.resolve("old.idx");
        Files.write(f, b.array());
        OffsetFile file = OffsetFile.open(f, 5, o.length);
        assertThat(file).isNotNull();
        for (int i = 0; i < o.length; i++) {
            assertThat(file.offset(5 + i)).isEqualTo(o[i]);
        }
    }

    @Test
    void damagedEntry_failsItsFirstUse() throws IOException {
        int[] o = offsets(new Random(4L), 500);
        Path f = dir.resolve("d.idx");
        OffsetFile.write(f, 1, o, o.length);
        HashIndexRecoveryTest.flip(f, Files.size(f) - 3);
        OffsetFile damaged = OffsetFile.open(f, 1, o.length);
        assertThat(damaged).isNotNull();
        assertThatThrownBy(() -> damaged.offset(1)).isInstanceOf(IndexCorruptionException.class);
    }
}
