package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compressed segment format 2 (blocks with {@link FieldDeltas}) against format 1 (earlier builds): the transform
 * round-trips any bytes, format 1 files are still read, and format 2 is smaller for the same records.
 */
class CompressedFormatTest {
    @TempDir
    Path dir;

    @Test
    void fieldDeltas_roundTripAnyBytes() {
        Random random = new Random(20261206L);
        for (int i = 0; i < 2000; i++) {
            byte[] block = new byte[random.nextInt(1200)];
            random.nextBytes(block);
            ByteBuffer b = ByteBuffer.wrap(block);
            for (int at = 0; at + 4 <= block.length && random.nextInt(4) > 0; ) { // plausible frames, then garbage
                int len = FrameCodec.FIXED + random.nextInt(60);
                b.putInt(at, len);
                at += FrameCodec.HEADER + len;
            }
            byte[] copy = block.clone();
            FieldDeltas.encode(copy);
            ByteBuffer direct =
                    ByteBuffer.allocateDirect(copy.length + 7).put(copy).flip();
            FieldDeltas.decode(copy);
            assertThat(copy).isEqualTo(block);
            FieldDeltas.decode(direct); // a block decompressed off the heap decodes the same
            byte[] back = new byte[block.length];
            direct.get(0, back);
            assertThat(back).isEqualTo(block);
        }
    }

    @Test
    void format1Segments_areStillRead_andFormat2IsSmaller() throws Exception {
        List<RecordedEvent> written = fill();
        List<Path> zlogs = zlogs();
        assertThat(zlogs).hasSizeGreaterThan(2);
        long format2 = 0;
        long format1 = 0;
        for (Path z : zlogs) {
            assertThat(ByteBuffer.wrap(Files.readAllBytes(z)).getInt(8)).isEqualTo(2);
            format2 += Files.size(z);
            downgrade(z);
            assertThat(ByteBuffer.wrap(Files.readAllBytes(z)).getInt(8)).isEqualTo(1);
            format1 += Files.size(z);
        }
        assertThat(format2).isLessThan(format1);
        try (FileEventLog log = FileEventLog.open(options())) {
            assertThat(readAll(log)).isEqualTo(written);
            assertThat(log.verify(10).problems()).isEmpty();
        }
    }

    private FileLogOptions options() {
        return FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER).withSegmentBytes(64 * 1024);
    }

    private List<RecordedEvent> fill() throws InterruptedException {
        try (FileEventLog log = FileEventLog.open(options())) {
            EventStore store = EventStore.of(log);
            for (int i = 0; i < 3000; i++) {
                store.append(
                        "order-" + (i % 37),
                        ExpectedVersion.ANY,
                        EventData.of("OrderThing" + (i % 5), "{\"i\":" + i + ",\"amount\":" + (i * 7 % 1000) + "}"));
            }
            log.awaitCompaction();
            return readAll(log);
        }
    }

    private static List<RecordedEvent> readAll(FileEventLog log) {
        List<RecordedEvent> out = new ArrayList<>();
        Position p = Position.START;
        while (true) {
            var slice = log.readAll(p, 500, EventFilter.ALL);
            if (slice.events().isEmpty()) {
                return out;
            }
            out.addAll(slice.events());
            p = slice.next();
        }
    }

    private List<Path> zlogs() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            return s.filter(p -> p.toString().endsWith(".zlog")).sorted().toList();
        }
    }

    /** Rewrites a format-2 file as earlier builds wrote it: plain blocks, no flags, format 1. */
    private static void downgrade(Path z) throws IOException {
        ByteBuffer f = ByteBuffer.wrap(Files.readAllBytes(z));
        int blocks = f.getInt(CompressedSegment.OFF_BLOCKS);
        long table = f.getLong(CompressedSegment.OFF_TABLE);
        int extent = f.getInt(CompressedSegment.OFF_EXTENT);
        ByteBuffer out = ByteBuffer.allocate(f.capacity() * 2 + 1024);
        out.position(Segment.HEADER_BYTES);
        ByteBuffer newTable = ByteBuffer.allocate(blocks * CompressedSegment.TABLE_ENTRY + 4);
        for (int i = 0; i < blocks; i++) {
            int t = (int) table + i * CompressedSegment.TABLE_ENTRY;
            int start = f.getInt(t);
            long off = f.getLong(t + 4);
            int len = f.getInt(t + 12);
            int end = i + 1 < blocks ? f.getInt(t + CompressedSegment.TABLE_ENTRY) : extent;
            byte[] raw = Zstd.decompress(
                    Arrays.copyOfRange(f.array(), (int) off, (int) off + (len & ~CompressedSegment.FIELD_DELTAS)),
                    end - start);
            assertThat(len & CompressedSegment.FIELD_DELTAS).isNotZero();
            FieldDeltas.decode(raw);
            byte[] z1 =
                    Zstd.compress(raw, FileLogOptions.DEFAULT_COMPRESSION_LEVEL); // same level: only the deltas differ
            newTable.putInt(start).putLong(out.position()).putInt(z1.length);
            newTable.putInt(CompressedSegment.crc(z1, 0, z1.length));
            out.put(z1);
        }
        newTable.putInt(CompressedSegment.crc(newTable.array(), 0, blocks * CompressedSegment.TABLE_ENTRY));
        long newTableOffset = out.position();
        out.put(newTable.array());
        ByteBuffer h = ByteBuffer.wrap(Arrays.copyOf(f.array(), Segment.HEADER_BYTES));
        h.putInt(8, 1).putLong(CompressedSegment.OFF_TABLE, newTableOffset);
        h.putInt(
                CompressedSegment.OFF_HEADER_CRC,
                CompressedSegment.crc(h.array(), 0, CompressedSegment.OFF_HEADER_CRC));
        out.put(0, h.array());
        Files.write(z, Arrays.copyOf(out.array(), out.position()));
    }
}
