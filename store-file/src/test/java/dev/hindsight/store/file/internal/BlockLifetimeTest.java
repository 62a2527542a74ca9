package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
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
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real compressed segments read through a block cache far smaller than they are, so blocks are evicted all the time
 * while other threads read them: every record read is the record written, the off-heap slots all come back, and damage
 * is reported, never served.
 */
class BlockLifetimeTest {
    @TempDir
    Path dir;

    private Path zlog;
    /** Offsets of the segment's records and their frames as read with a cache that holds everything. */
    private final List<Integer> offsets = new ArrayList<>();

    private final List<byte[]> frames = new ArrayList<>();

    @BeforeEach
    void writeSegment() throws Exception {
        FileLogOptions o =
                FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER).withSegmentBytes(1 << 20);
        Random r = new Random(11);
        try (FileEventLog log = FileEventLog.open(o)) {
            EventStore store = EventStore.of(log);
            for (int i = 0; i < 9000; i++) {
                StringBuilder pad = new StringBuilder();
                for (int k = 0; k < 20; k++) {
                    pad.append(Integer.toHexString(r.nextInt()));
                }
                store.append(
                        "order-" + (i % 97),
                        ExpectedVersion.ANY,
                        EventData.of("OrderThing" + (i % 5), "{\"i\":" + i + ",\"pad\":\"" + pad + "\"}"));
            }
            log.awaitCompaction();
        }
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            zlog = s.filter(p -> p.toString().endsWith(".zlog"))
                    .sorted()
                    .findFirst()
                    .orElseThrow();
        }
        try (BlockCache all = new BlockCache(64L << 20);
                CompressedSegment seg = open(zlog, all)) {
            int off = Segment.HEADER_BYTES;
            while (off < seg.extent()) {
                byte[] f = seg.readFrame(off);
                offsets.add(off);
                frames.add(f);
                off += f.length;
            }
            assertThat(seg.blocks()).isGreaterThan(8);
        }
    }

    private static CompressedSegment open(Path z, BlockCache cache) throws IOException {
        return CompressedSegment.open(0, z, BlockSource.of(z), cache, false);
    }

    @Test
    void concurrentReadsWithConstantEvictions_returnTheWrittenRecords_andGiveEverySlotBack() throws Exception {
        BlockCache cache = new BlockCache(3L * BlockMemory.SLOT_BYTES); // 2 blocks cached, the segment has many
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        try (CompressedSegment seg = open(zlog, cache)) {
            long until = System.nanoTime() + 1_500_000_000L;
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                readers.add(Thread.ofPlatform().start(() -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    while (System.nanoTime() < until && wrong.isEmpty()) {
                        int i = r.nextInt(offsets.size());
                        int off = offsets.get(i);
                        byte[] want = frames.get(i);
                        try {
                            if (!Arrays.equals(seg.readFrame(off), want)) {
                                wrong.add("readFrame at " + off);
                            }
                            try (LogFile.Loc l = seg.locate(off)) { // held while other threads evict and load
                                byte[] first = new byte[want.length];
                                l.buf().get(l.off(), first);
                                Thread.yield();
                                byte[] again = new byte[want.length];
                                l.buf().get(l.off(), again);
                                if (!Arrays.equals(first, want) || !Arrays.equals(again, want)) {
                                    wrong.add("held record at " + off + " changed");
                                }
                            }
                        } catch (RuntimeException e) {
                            wrong.add(off + ": " + e);
                        }
                        reads.incrementAndGet();
                    }
                }));
            }
            for (Thread t : readers) {
                t.join();
            }
            assertThat(wrong).isEmpty();
            assertThat(reads.get()).isGreaterThan(500);
            assertThat(cache.stats().evictionCount()).isGreaterThan(100);
            assertThat(cache.memory().reservedBytes()).isLessThanOrEqualTo(3L * BlockMemory.SLOT_BYTES);
        }
        assertThat(cache.memory().inUse()).isZero(); // the segment's close dropped its blocks; no reader holds one
        cache.close();
        assertThat(cache.memory().reservedBytes()).isZero();
    }

    @Test
    void blocksAreDecompressedOffTheHeap_andReadAfterCloseOnlyByTheirHolder() throws Exception {
        BlockCache cache = new BlockCache(8L * BlockMemory.SLOT_BYTES);
        CompressedSegment seg = open(zlog, cache);
        int last = offsets.size() - 1;
        LogFile.Loc held = seg.locate(offsets.get(last));
        assertThat(held.buf().isDirect()).isTrue();
        assertThat(held.pin()).isNotNull();
        seg.readFrame(offsets.get(0));
        assertThat(cache.memory().inUse()).isEqualTo(2);
        seg.close(); // drops the segment's blocks: the held one stays until its reader lets it go
        cache.close();
        assertThat(cache.memory().inUse()).isEqualTo(1);
        byte[] f = new byte[frames.get(last).length];
        held.buf().get(held.off(), f);
        assertThat(f).isEqualTo(frames.get(last));
        held.close();
        assertThat(cache.memory().inUse()).isZero();
    }

    @Test
    void damagedBlock_failsWithItsCrc_neverServesOtherBytes_andLeaksNoSlot() throws Exception {
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(zlog));
        long table = file.getLong(CompressedSegment.OFF_TABLE);
        int block = 3;
        int entry = (int) table + block * CompressedSegment.TABLE_ENTRY;
        long at = file.getLong(entry + 4);
        int len = file.getInt(entry + 12) & ~CompressedSegment.FIELD_DELTAS;
        Path damaged = dir.resolve("damaged.zlog");
        byte[] bytes = file.array().clone();
        bytes[(int) at + len / 2] ^= 0x5a;
        Files.write(damaged, bytes);
        int blockStart = file.getInt(entry);
        int blockEnd = file.getInt(entry + CompressedSegment.TABLE_ENTRY);
        try (BlockCache cache = new BlockCache(8L * BlockMemory.SLOT_BYTES);
                CompressedSegment seg = open(damaged, cache)) {
            int inBlock = offsets.stream()
                    .filter(o -> o >= blockStart && o < blockEnd)
                    .findFirst()
                    .orElseThrow();
            assertThatThrownBy(() -> seg.readFrame(inBlock))
                    .isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("block " + block + " of")
                    .hasMessageContaining("fails its CRC");
            assertThat(cache.memory().inUse()).isZero(); // the failed decode gave its slot back
        }

        // the same damage with the table's CRCs made to match: zstd or the records' CRCs must catch it
        int crc = CompressedSegment.crc(bytes, (int) at, len);
        ByteBuffer.wrap(bytes).putInt(entry + 16, crc);
        int blocks = file.getInt(CompressedSegment.OFF_BLOCKS);
        ByteBuffer.wrap(bytes)
                .putInt(
                        (int) table + blocks * CompressedSegment.TABLE_ENTRY,
                        CompressedSegment.crc(bytes, (int) table, blocks * CompressedSegment.TABLE_ENTRY));
        Files.write(damaged, bytes);
        int failures = 0;
        try (BlockCache cache = new BlockCache(8L * BlockMemory.SLOT_BYTES);
                CompressedSegment seg = open(damaged, cache)) {
            for (int i = 0; i < offsets.size(); i++) {
                int off = offsets.get(i);
                try {
                    assertThat(seg.readFrame(off)).isEqualTo(frames.get(i)); // never another record's bytes
                } catch (CorruptionException e) {
                    assertThat(off).isBetween(blockStart, blockEnd - 1);
                    failures++;
                }
            }
        }
        assertThat(failures).isPositive();
    }
}
