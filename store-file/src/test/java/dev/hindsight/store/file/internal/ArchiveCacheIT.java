package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.archive.S3ServerExtension;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.testkit.ForwardingObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The local copies of archived segments, over a real S3-compatible server (s3proxy). */
class ArchiveCacheIT {
    private static final String BUCKET = "cache";
    private static final int OBJECT_BYTES = 300_000;

    @TempDir
    Path dir;

    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension(BUCKET);

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    /** A fast policy: copies start after {@code touches} reads, in 64 KiB chunks, without waiting for quiet. */
    private static ArchiveCache.CopyPolicy policy(int touches) {
        return new ArchiveCache.CopyPolicy(touches, 64 * 1024, 0, 0, 1L << 30);
    }

    /** Uploads random bytes as {@code key}; returns its manifest entry (MD5 of {@code md5Of}, normally the same). */
    private static ArchiveManifest.Entry upload(ObjectStore st, String key, byte[] bytes, byte[] md5Of)
            throws IOException {
        st.put(key, bytes);
        return new ArchiveManifest.Entry(key, 1, 1, 1, 1, 0, bytes.length, Archiver.md5(md5Of), 0, 0);
    }

    private static byte[] random(long seed) {
        byte[] b = new byte[OBJECT_BYTES];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("archive-cache"))) {
            return s.toList();
        }
    }

    @Test
    void copy_startsOnlyAfterEnoughReadsFromTheArchive_thenReadsAreLocal() throws Exception {
        ObjectStore st = S3.store("p" + PREFIXES.incrementAndGet());
        byte[] bytes = random(1);
        ArchiveManifest.Entry e = upload(st, "segments/a.zlog", bytes, bytes);
        try (ArchiveCache cache = new ArchiveCache(dir, 1 << 20, st, policy(3))) {
            BlockSource source = cache.source(e);
            assertThat(source.read(100, 10)).isEqualTo(slice(bytes, 100, 10));
            assertThat(source.read(5000, 10)).isEqualTo(slice(bytes, 5000, 10));
            Thread.sleep(200);
            assertThat(cache.copiedBytes()).isZero(); // two reads: no copy yet
            assertThat(files()).isEmpty();

            assertThat(source.read(OBJECT_BYTES - 10, 10)).isEqualTo(slice(bytes, OBJECT_BYTES - 10, 10));
            await(() -> cache.holds(e.key()));
            assertThat(cache.copiedBytes()).isEqualTo(OBJECT_BYTES);
            assertThat(cache.usedBytes()).isEqualTo(OBJECT_BYTES);

            st.delete(e.key()); // only the local copy is left
            assertThat(source.read(123_456, 1000)).isEqualTo(slice(bytes, 123_456, 1000));
        }
    }

    @Test
    void aReadOfAQuarterOfTheSegment_startsTheCopyAtOnce() throws Exception {
        ObjectStore st = S3.store("p" + PREFIXES.incrementAndGet());
        byte[] bytes = random(7);
        ArchiveManifest.Entry e = upload(st, "segments/g.zlog", bytes, bytes);
        try (ArchiveCache cache = new ArchiveCache(dir, 1 << 20, st, policy(100))) {
            BlockSource source = cache.source(e);
            source.read(0, OBJECT_BYTES / 8);
            Thread.sleep(200);
            assertThat(cache.copiedBytes()).isZero();
            source.read(OBJECT_BYTES / 8, OBJECT_BYTES / 8); // a scan's reads: a quarter of the segment in all
            await(() -> cache.holds(e.key()));
        }
    }

    @Test
    void copy_waitsWhileAReadOfTheArchiveRuns() throws Exception {
        ObjectStore real = S3.store("p" + PREFIXES.incrementAndGet());
        HeldStore held = new HeldStore(real);
        byte[] bytes = random(2);
        ArchiveManifest.Entry e = upload(real, "segments/b.zlog", bytes, bytes);
        // copies wait for 50 ms without reads, for up to a minute per chunk
        var patient = new ArchiveCache.CopyPolicy(1, 64 * 1024, 50, 60_000, 1L << 30);
        try (ArchiveCache cache = new ArchiveCache(dir, 1 << 20, held, patient)) {
            BlockSource source = cache.source(e);
            held.hold = new CountDownLatch(1);
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    source.read(0, 100); // starts the copy, then stays in flight until released
                } catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            await(() -> held.waiting.get() == 1);
            Thread.sleep(300);
            assertThat(cache.copiedBytes()).isZero(); // the copy holds while the read runs

            held.hold.countDown();
            reader.join();
            await(() -> cache.holds(e.key()));
            assertThat(cache.copiedBytes()).isEqualTo(OBJECT_BYTES);
        }
    }

    @Test
    void readsDuringACopy_useThePartFetchedSoFar_andTheRestComesFromTheArchive() throws Exception {
        ObjectStore real = S3.store("p" + PREFIXES.incrementAndGet());
        byte[] bytes = random(8);
        ArchiveManifest.Entry e = upload(real, "segments/h.zlog", bytes, bytes);
        ChunkGate gate = new ChunkGate(real, 64 * 1024, 2 * 64 * 1024); // the copy stops before its third chunk
        try (ArchiveCache cache = new ArchiveCache(dir, 1 << 20, gate, policy(1))) {
            BlockSource source = cache.source(e);
            assertThat(source.read(100, 10)).isEqualTo(slice(bytes, 100, 10)); // starts the copy
            await(() -> gate.waiting.get() == 1);
            int remote = gate.reads.get();

            assertThat(source.isLocal(1000, 500)).isTrue();
            assertThat(source.isLocal()).isFalse(); // not the whole object yet
            assertThat(source.read(1000, 500)).isEqualTo(slice(bytes, 1000, 500));
            java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(2000);
            source.read(64 * 1024 + 100, direct);
            byte[] got = new byte[2000];
            direct.flip().get(got);
            assertThat(got).isEqualTo(slice(bytes, 64 * 1024 + 100, 2000));
            assertThat(gate.reads.get()).isEqualTo(remote); // both from the part already fetched

            assertThat(source.isLocal(2 * 64 * 1024 - 10, 20)).isFalse();
            assertThat(source.read(2 * 64 * 1024 - 10, 20)).isEqualTo(slice(bytes, 2 * 64 * 1024 - 10, 20));
            assertThat(source.read(200_000, 100)).isEqualTo(slice(bytes, 200_000, 100));
            assertThat(gate.reads.get()).isEqualTo(remote + 2); // across the fetched end, and beyond it: the archive

            gate.open.countDown();
            await(() -> cache.holds(e.key()));
            assertThat(source.isLocal()).isTrue();
            assertThat(source.read(250_000, 100)).isEqualTo(slice(bytes, 250_000, 100));
            assertThat(gate.reads.get()).isEqualTo(remote + 2);
        }
    }

    @Test
    void concurrentReadsDuringACopy_allGetTheObjectsBytes() throws Exception {
        ObjectStore real = S3.store("p" + PREFIXES.incrementAndGet());
        byte[] bytes = random(9);
        ArchiveManifest.Entry e = upload(real, "segments/i.zlog", bytes, bytes);
        ChunkGate counting = new ChunkGate(real, 16 * 1024, Long.MAX_VALUE);
        // 16 KiB chunks at 1 MB/s: the copy takes ~0.3 s, and reads land before, inside and beyond its fetched part
        var slow = new ArchiveCache.CopyPolicy(1, 16 * 1024, 0, 0, 1_000_000);
        try (ArchiveCache cache = new ArchiveCache(dir, 1 << 20, counting, slow)) {
            BlockSource source = cache.source(e);
            AtomicInteger reads = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 6; t++) {
                    int seed = t;
                    pool.submit(() -> {
                        Random r = new Random(seed);
                        while (!cache.holds(e.key())) {
                            int length = 1 + r.nextInt(40_000);
                            int offset = r.nextInt(OBJECT_BYTES - length);
                            byte[] b = r.nextBoolean() ? source.read(offset, length) : direct(source, offset, length);
                            if (!java.util.Arrays.equals(b, slice(bytes, offset, length))) {
                                wrong.incrementAndGet();
                            }
                            reads.incrementAndGet();
                            Thread.sleep(1);
                        }
                        return null;
                    });
                }
            }
            assertThat(wrong.get()).isZero();
            assertThat(reads.get()).isGreaterThan(20);
            // some were served by the copy's fetched part, not the archive
            assertThat(counting.reads.get()).isLessThan(reads.get());
        }
    }

    private static byte[] direct(BlockSource source, int offset, int length) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(length);
        source.read(offset, b);
        byte[] out = new byte[length];
        b.flip().get(out);
        return out;
    }

    @Test
    void closeDuringACopy_leavesNoFile_andARestartLeftoverIsDeletedAtOpen() throws Exception {
        ObjectStore real = S3.store("p" + PREFIXES.incrementAndGet());
        byte[] bytes = random(10);
        ArchiveManifest.Entry e = upload(real, "segments/j.zlog", bytes, bytes);
        ChunkGate gate = new ChunkGate(real, 64 * 1024, 64 * 1024);
        try (ArchiveCache cache = new ArchiveCache(dir, 1 << 20, gate, policy(1))) {
            cache.source(e).read(0, 10);
            await(() -> gate.waiting.get() == 1);
            assertThat(files()).hasSize(1); // the copy's temporary file, one chunk in
        }
        await(() -> {
            try {
                return files().isEmpty(); // the interrupted copy deleted its file
            } catch (IOException ex) {
                return false;
            }
        });

        // a process that died during a copy leaves its temporary file: the next open deletes it, then copies afresh
        Files.write(dir.resolve("archive-cache").resolve("segments_j.zlog.tmp"), slice(bytes, 0, 1000));
        try (ArchiveCache cache = new ArchiveCache(dir, 1 << 20, real, policy(1))) {
            assertThat(files()).isEmpty();
            BlockSource source = cache.source(e);
            assertThat(source.read(5000, 100)).isEqualTo(slice(bytes, 5000, 100));
            await(() -> cache.holds(e.key()));
            real.delete(e.key());
            assertThat(source.read(0, OBJECT_BYTES)).isEqualTo(bytes);
        }
    }

    @Test
    void copyThatDoesNotMatchTheManifest_isNeverUsed() throws Exception {
        ObjectStore st = S3.store("p" + PREFIXES.incrementAndGet());
        byte[] bytes = random(3);
        byte[] other = bytes.clone();
        other[1000] ^= 1; // the manifest's MD5 is of other bytes: the object changed after it was archived
        ArchiveManifest.Entry e = upload(st, "segments/c.zlog", bytes, other);
        try (ArchiveCache cache = new ArchiveCache(dir, 1 << 20, st, policy(1))) {
            cache.source(e).read(0, 10);
            await(() -> cache.copiedBytes() == OBJECT_BYTES);
            Thread.sleep(100);
            assertThat(cache.holds(e.key())).isFalse();
            assertThat(cache.source(e).isLocal(0, 10)).isFalse(); // its fetched part is not used either
            assertThat(cache.usedBytes()).isZero();
            await(() -> {
                try {
                    return files().isEmpty(); // the rejected copy is deleted
                } catch (IOException ex) {
                    return false;
                }
            });
        }
    }

    @Test
    void copiesBeyondTheBudget_evictTheLeastRecentlyUsed() throws Exception {
        ObjectStore st = S3.store("p" + PREFIXES.incrementAndGet());
        byte[] one = random(4);
        byte[] two = random(5);
        ArchiveManifest.Entry e1 = upload(st, "segments/d.zlog", one, one);
        ArchiveManifest.Entry e2 = upload(st, "segments/e.zlog", two, two);
        try (ArchiveCache cache = new ArchiveCache(dir, OBJECT_BYTES + OBJECT_BYTES / 2, st, policy(1))) {
            cache.source(e1).read(0, 10);
            await(() -> cache.holds(e1.key()));
            cache.source(e2).read(0, 10);
            await(() -> cache.holds(e2.key()));
            assertThat(cache.holds(e1.key())).isFalse();
            assertThat(cache.usedBytes()).isEqualTo(OBJECT_BYTES);
            assertThat(files()).hasSize(1);
            assertThat(cache.source(e1).read(7, 3)).isEqualTo(slice(one, 7, 3)); // from the archive again
        }
    }

    @Test
    void warmUp_readsTheNewestSegmentsHeaderInTheBackground() throws Exception {
        ObjectStore real = S3.store("p" + PREFIXES.incrementAndGet());
        HeldStore counting = new HeldStore(real);
        byte[] bytes = random(6);
        ArchiveManifest.Entry e = upload(real, "segments/f.zlog", bytes, bytes);
        ArchiveCache.warmUp(counting, e, 3);
        await(() -> counting.gets.get() == 3);
    }

    private static byte[] slice(byte[] b, int from, int length) {
        return java.util.Arrays.copyOfRange(b, from, from + length);
    }

    /**
     * The real store; counts ranged reads that are not a copy's chunks ({@code chunk} bytes at a multiple of it, or the
     * object's last bytes there) and holds the copy's chunk at {@code gateAt} until {@code open} is counted down.
     */
    static final class ChunkGate extends ForwardingObjectStore {
        private final int chunk;
        private final long gateAt;
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicInteger waiting = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();

        ChunkGate(ObjectStore real, int chunk, long gateAt) {
            super(real);
            this.chunk = chunk;
            this.gateAt = gateAt;
        }

        @Override
        public byte[] get(String key, long offset, int length) throws IOException {
            boolean copyChunk =
                    offset % chunk == 0 && (length == chunk || (length < chunk && offset + length == OBJECT_BYTES));
            if (!copyChunk) {
                reads.incrementAndGet();
            } else if (offset == gateAt) {
                waiting.incrementAndGet();
                try {
                    open.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IOException(ex);
                }
            }
            return delegate.get(key, offset, length);
        }
    }

    /** The real store; ranged reads wait on {@code hold} while it is set (to keep a read in flight) and are counted. */
    static final class HeldStore extends ForwardingObjectStore {
        volatile @Nullable CountDownLatch hold;
        final AtomicInteger waiting = new AtomicInteger();
        final AtomicInteger gets = new AtomicInteger();

        HeldStore(ObjectStore real) {
            super(real);
        }

        @Override
        public byte[] get(String key, long offset, int length) throws IOException {
            gets.incrementAndGet();
            CountDownLatch h = hold;
            if (h != null && offset == 0 && length == 100) {
                waiting.incrementAndGet();
                try {
                    h.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IOException(ex);
                }
            }
            return delegate.get(key, offset, length);
        }
    }
}
