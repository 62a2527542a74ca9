package dev.hindsight.store.file.internal;

import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded local copy of archived segments that are read again and again, in {@code <data-dir>/archive-cache}. Reads
 * of an archived segment go to the object store (ranged requests of its block table and of the blocks needed) until
 * the segment has been read {@link CopyPolicy#touchesBeforeCopy} times or a quarter of its bytes were read (a scan);
 * then a background copy of the whole object starts. The copy fetches the object in {@link CopyPolicy#chunkBytes}
 * ranged requests straight to a file (no whole object in memory); a policy may also hold each chunk while a read of the
 * archive runs ({@link CopyPolicy#quietMillis}, at most {@link CopyPolicy#maxHoldMillis} per chunk) and cap its rate
 * ({@link CopyPolicy#bytesPerSecond}); the default does neither (measured better here). The copy is used only once
 * its size and MD5 match the manifest (else deleted); later reads of that segment are local file reads, as fast as a
 * hot compressed segment. While a copy runs, a read that lies wholly in the part fetched so far reads it from the
 * copy's file instead of the archive. Every block is still CRC-checked when decoded, whichever source it came from.
 * Least recently used copies are deleted beyond the byte budget. Thread-safe.
 */
public final class ArchiveCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveCache.class);

    /**
     * When and how fast whole archived segments are copied locally (session 15 measurements in docs/benchmarks.md).
     *
     * @param touchesBeforeCopy reads of a segment from the object store before its copy starts (1: at the first); a
     *     copy also starts once those reads fetched a quarter of the segment's bytes
     * @param chunkBytes bytes per ranged request of a copy
     * @param quietMillis a copy holds its next chunk until no read of the archive has run for this long
     * @param maxHoldMillis ... but not longer than this per chunk
     * @param bytesPerSecond most bytes per second a copy fetches
     */
    public record CopyPolicy(
            int touchesBeforeCopy, int chunkBytes, long quietMillis, long maxHoldMillis, long bytesPerSecond) {
        /**
         * At the first read, 4 MiB chunks at full speed: in the session 15 measurements, holding chunks while reads run
         * (or starting after 8 reads) left reads remote for longer, which cost more than the copy's competition.
         * Switch for A/B runs: {@code -Dhindsight.archive.copyPolicy=TOUCHES,CHUNK_BYTES,QUIET_MS,MAX_HOLD_MS,
         * BYTES_PER_SECOND}.
         */
        public static final CopyPolicy DEFAULT =
                parse(System.getProperty("hindsight.archive.copyPolicy", "1," + (4 << 20) + ",0,0," + (1L << 30)));

        public CopyPolicy {
            if (touchesBeforeCopy < 1 || chunkBytes < 1 || quietMillis < 0 || maxHoldMillis < 0 || bytesPerSecond < 1) {
                throw new IllegalArgumentException("invalid archive copy policy");
            }
        }

        /** From its five fields, comma-separated, in declaration order. */
        static CopyPolicy parse(String fields) {
            String[] f = fields.split(",");
            if (f.length != 5) {
                throw new IllegalArgumentException("an archive copy policy has 5 fields, not '" + fields + "'");
            }
            return new CopyPolicy(
                    Integer.parseInt(f[0].trim()),
                    Integer.parseInt(f[1].trim()),
                    Long.parseLong(f[2].trim()),
                    Long.parseLong(f[3].trim()),
                    Long.parseLong(f[4].trim()));
        }
    }

    private final Path dir;
    private final long budget;
    private final ObjectStore store;
    private final CopyPolicy policy;
    /** Local copies by object key, least recently used first; guarded by {@code this}. */
    private final LinkedHashMap<String, Local> copies = new LinkedHashMap<>(16, 0.75f, true);

    /** Reads from the object store per segment not copied yet (cleared when its copy starts). */
    private final Map<String, Touches> touches = new ConcurrentHashMap<>();

    private final Map<String, Boolean> copying = new ConcurrentHashMap<>();
    /** Copies being fetched, by object key. */
    private final Map<String, Partial> partials = new ConcurrentHashMap<>();

    private final ExecutorService downloads = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("hindsight-archive-cache").daemon(true).factory());
    /** Reads of the object store running now, and when the last one ended (nanoTime). */
    private final AtomicInteger foreground = new AtomicInteger();

    private final AtomicLong lastForegroundEnd = new AtomicLong(System.nanoTime());
    private final AtomicLong copiedBytes = new AtomicLong();
    private long used; // guarded by this
    private volatile boolean closed;

    private record Local(Path file, long bytes, BlockSource source) {}

    /**
     * A copy being fetched (in order, from the start): its first {@code fetched} bytes are in its file, written before
     * {@code fetched} was raised, so a read that lies wholly below can use them instead of asking the archive. Nothing
     * read from it is trusted more than the archive's bytes: the object's MD5 is checked only once the copy is whole,
     * and every block is CRC-checked against its block table when it is decoded, whichever source it came from.
     */
    private static final class Partial {
        /** A channel of its own for reads: an interrupted reader closes it, never the copy's. */
        private final FileChannel file;

        private volatile long fetched;

        Partial(FileChannel file) {
            this.file = file;
        }

        boolean holds(long offset, long length) {
            return offset >= 0 && offset + length <= fetched;
        }

        /** Reads {@code into.remaining()} bytes at {@code offset}; fails if the copy's file was closed meanwhile. */
        void read(long offset, ByteBuffer into) throws IOException {
            BlockSource.readFully(file, offset, into, "partial copy");
        }
    }

    /** Reads of one segment from the object store, and their bytes. */
    private record Touches(AtomicInteger reads, AtomicLong bytes) {}

    /**
     * @param budget most bytes of local copies; segments larger than it are never copied
     */
    public ArchiveCache(Path dataDir, long budget, ObjectStore store) throws IOException {
        this(dataDir, budget, store, CopyPolicy.DEFAULT);
    }

    public ArchiveCache(Path dataDir, long budget, ObjectStore store, CopyPolicy policy) throws IOException {
        this.dir = dataDir.resolve("archive-cache");
        this.budget = budget;
        this.store = store;
        this.policy = policy;
        Files.createDirectories(dir);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f); // copies from an earlier run: re-fetched (and re-checked) when read again
            }
        }
    }

    /**
     * The source of an archived segment: its local copy once made; while the copy is being fetched, the part of it
     * fetched so far for reads that lie wholly inside it; else the object store.
     */
    public BlockSource source(ArchiveManifest.Entry e) {
        BlockSource remote = BlockSource.of(store, e.key(), e.bytes());
        return new BlockSource() {
            @Override
            public byte[] read(long offset, int length) throws IOException {
                byte[] out = new byte[length];
                read(offset, ByteBuffer.wrap(out));
                return out;
            }

            @Override
            public void read(long offset, ByteBuffer into) throws IOException {
                foreground.incrementAndGet(); // before a copy this read starts can look
                boolean remoteRead = true;
                int from = into.position();
                try {
                    BlockSource local = local(e, into.remaining());
                    if (local != null) {
                        try {
                            local.read(offset, into); // straight from the file into the caller's buffer
                            remoteRead = false;
                            return;
                        } catch (IOException evicted) { // closed by an eviction just now: the archive still has it
                            LOG.debug("local copy of {} went away; reading the archive", e.key(), evicted);
                            into.position(from);
                        }
                    }
                    Partial p = partials.get(e.key());
                    if (p != null && p.holds(offset, into.remaining())) {
                        try {
                            p.read(offset, into);
                            remoteRead = false;
                            return;
                        } catch (IOException ended) { // the copy ended just now (its file closed): read the archive
                            LOG.debug("partial copy of {} went away; reading the archive", e.key(), ended);
                            into.position(from);
                        }
                    }
                    remote.read(offset, into);
                } finally {
                    if (remoteRead) {
                        lastForegroundEnd.set(System.nanoTime());
                    }
                    foreground.decrementAndGet();
                }
            }

            @Override
            public boolean isLocal() {
                return holds(e.key());
            }

            @Override
            public boolean isLocal(long offset, long length) {
                if (holds(e.key())) {
                    return true;
                }
                Partial p = partials.get(e.key());
                return p != null && p.holds(offset, length);
            }

            @Override
            public boolean copyComing() {
                return e.bytes() <= budget && !closed;
            }

            @Override
            public long size() {
                return e.bytes();
            }

            @Override
            public String describe() {
                return remote.describe();
            }

            @Override
            public void close() {}
        };
    }

    /** Bytes of local copies now. */
    public synchronized long usedBytes() {
        return used;
    }

    /** Bytes fetched by copies since the cache opened (tests, diagnostics). */
    public long copiedBytes() {
        return copiedBytes.get();
    }

    /** Whether a checked local copy of {@code key} is in the cache (tests, diagnostics). */
    public synchronized boolean holds(String key) {
        return copies.containsKey(key);
    }

    private @Nullable BlockSource local(ArchiveManifest.Entry e, int length) {
        synchronized (this) {
            Local l = copies.get(e.key());
            if (l != null) {
                return l.source();
            }
        }
        if (e.bytes() <= budget && !closed && !copying.containsKey(e.key()) && touched(e, length)) {
            if (copying.putIfAbsent(e.key(), Boolean.TRUE) == null) {
                touches.remove(e.key());
                try {
                    downloads.execute(() -> copy(e));
                } catch (RejectedExecutionException closing) {
                    copying.remove(e.key());
                }
            }
        }
        return null;
    }

    /**
     * Counts a read of {@code e} from the object store; true once there were enough to copy it: the policy's number of
     * reads, or reads of a quarter of its bytes (a scan reads a whole segment in one request).
     */
    private boolean touched(ArchiveManifest.Entry e, int length) {
        Touches t = touches.computeIfAbsent(e.key(), k -> new Touches(new AtomicInteger(), new AtomicLong()));
        return t.reads().incrementAndGet() >= policy.touchesBeforeCopy()
                || t.bytes().addAndGet(length) >= e.bytes() / 4;
    }

    private void copy(ArchiveManifest.Entry e) {
        Path file = dir.resolve(e.key().replace('/', '_'));
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(
                            tmp,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
                    FileChannel in = FileChannel.open(tmp, StandardOpenOption.READ)) {
                Partial p = new Partial(in);
                partials.put(e.key(), p);
                try {
                    if (fetch(e, out, p)) {
                        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                        add(e.key(), new Local(file, e.bytes(), BlockSource.of(file)));
                    }
                } finally {
                    partials.remove(e.key(), p); // before its file closes; a read that took it just before falls back
                }
            }
        } catch (IOException | RuntimeException ex) {
            LOG.warn("could not copy archived {} to the local cache; reads stay remote", e.key(), ex);
        } catch (InterruptedException closing) {
            Thread.currentThread().interrupt();
        } finally {
            copying.remove(e.key());
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /**
     * Fetches {@code e} chunk by chunk into {@code out}, raising {@code p}'s fetched bytes after each chunk is
     * written; true if it matches the manifest's size and MD5.
     */
    private boolean fetch(ArchiveManifest.Entry e, FileChannel out, Partial p)
            throws IOException, InterruptedException {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
        long start = System.nanoTime();
        // one direct buffer for every chunk: a copy puts no chunk-sized array on the heap (each 4 MiB array was a
        // humongous allocation, and each one started a young collection)
        ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(policy.chunkBytes(), Math.max(1, e.bytes())));
        for (long offset = 0; offset < e.bytes(); ) {
            yieldToReads();
            if (closed) {
                return false;
            }
            int n = (int) Math.min(policy.chunkBytes(), e.bytes() - offset);
            store.get(e.key(), offset, chunk.clear().limit(n));
            chunk.flip();
            md5.update(chunk.duplicate());
            while (chunk.hasRemaining()) {
                out.write(chunk, offset + chunk.position());
            }
            offset += n;
            p.fetched = offset; // after the write: a read below it finds the bytes in the file
            copiedBytes.addAndGet(n);
            pace(offset, start);
        }
        String got = HexFormat.of().formatHex(md5.digest());
        if (!got.equals(e.md5()) || out.size() != e.bytes()) {
            LOG.warn("archived {} does not match the manifest (size or MD5); reads stay remote", e.key());
            return false;
        }
        return true;
    }

    /** Waits while a read of the archive runs or ended less than the quiet time ago, at most the longest hold. */
    private void yieldToReads() throws InterruptedException {
        long quiet = policy.quietMillis() * 1_000_000L;
        long until = System.nanoTime() + policy.maxHoldMillis() * 1_000_000L;
        while (!closed
                && (foreground.get() > 0 || System.nanoTime() - lastForegroundEnd.get() < quiet)
                && System.nanoTime() < until) {
            Thread.sleep(1);
        }
    }

    /** Sleeps so that {@code bytes} since {@code start} stay under the policy's rate. */
    private void pace(long bytes, long start) throws InterruptedException {
        long due = start + (long) (bytes * 1e9 / policy.bytesPerSecond());
        long wait = due - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    /** Rounds of warm-up reads, one after another (switch for A/B runs: {@code -Dhindsight.archive.warmUpRounds}). */
    static final int WARM_UP_ROUNDS = Math.max(1, Integer.getInteger("hindsight.archive.warmUpRounds", 1));

    /**
     * Makes {@code store}'s client ready for the first cold read without putting that work on it: loads the client's
     * classes and opens connections with {@code parallel} ranged reads of {@code e}'s header, in the background.
     * Failures are only logged (the reads that need the archive report theirs).
     */
    public static void warmUp(ObjectStore store, ArchiveManifest.Entry e, int parallel) {
        Thread.ofVirtual().name("hindsight-archive-warm-up").start(() -> {
            long t0 = System.nanoTime();
            for (int round = 0; round < WARM_UP_ROUNDS; round++) {
                try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < parallel; i++) {
                        pool.submit(() -> store.get(e.key(), 0, (int) Math.min(Segment.HEADER_BYTES, e.bytes())));
                    }
                } catch (RuntimeException ex) {
                    LOG.debug("archive warm-up failed", ex);
                }
            }
            LOG.debug("archive client warmed up in {} ms", (System.nanoTime() - t0) / 1_000_000);
        });
    }

    private synchronized void add(String key, Local l) {
        if (closed) {
            closeQuietly(l);
            return;
        }
        copies.put(key, l);
        used += l.bytes();
        for (Iterator<Map.Entry<String, Local>> it = copies.entrySet().iterator(); used > budget && it.hasNext(); ) {
            Map.Entry<String, Local> oldest = it.next();
            it.remove();
            used -= oldest.getValue().bytes();
            closeQuietly(oldest.getValue());
        }
    }

    /** Closes and deletes a copy; a reader that took its source just before falls back to the archive. */
    private static void closeQuietly(Local l) {
        try {
            l.source().close();
            Files.deleteIfExists(l.file());
        } catch (IOException e) {
            LOG.debug("removing {}", l.file(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        downloads.shutdownNow();
        synchronized (this) {
            copies.values().forEach(ArchiveCache::closeQuietly);
            copies.clear();
            used = 0;
        }
    }
}
