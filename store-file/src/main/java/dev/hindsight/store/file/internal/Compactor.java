package dev.hindsight.store.file.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves sealed plain segments to the compressed tier in the background: writes the compressed file (verified, fsynced,
 * renamed into place), swaps it into the log for readers, then deletes the plain file. A crash at any point leaves
 * either the plain file or a complete compressed one (recovery keeps the compressed one and removes leftovers).
 * Segments of stores written before compression existed are compacted the same way after open. Thread-safe; one
 * compaction at a time on the {@code hindsight-compactor} thread.
 */
public final class Compactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

    private final LogState state;
    private final Path segmentsDir;
    private final SegmentCompressor compressor;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("hindsight-compactor").daemon(true).factory());
    private volatile boolean closed;
    private final AtomicLong segments = new AtomicLong();
    private final AtomicLong plainBytes = new AtomicLong();
    private final AtomicLong compressedBytes = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /** Compaction totals since open. */
    public record Stats(long segments, long plainBytes, long compressedBytes, long nanos, long failures) {}

    public Compactor(LogState state, Path segmentsDir, int level) {
        this.state = state;
        this.segmentsDir = segmentsDir;
        // paced: while appends flow it yields most of the CPU to them (CompactionPacer)
        this.compressor = new SegmentCompressor(level, CompactionPacer.of(state, () -> closed));
    }

    /** Queues every sealed plain segment (after open) and every segment sealed from now on. */
    public void start() {
        state.indexes().onSealed(this::sealed);
        LogFile[] segs = state.segments();
        for (int i = 0; i + 1 < segs.length; i++) {
            sealed(segs[i]);
        }
    }

    private void sealed(LogFile seg) {
        if (seg instanceof Segment plain && !closed) {
            thread.execute(() -> compact(plain));
        }
    }

    private void compact(Segment seg) {
        if (closed || seg.offsetFile() == null) {
            return; // closing, or its offset file is not written yet: queued again when it is
        }
        long t0 = System.nanoTime();
        try {
            int records = seg.sealedCount();
            Path z = compressor.write(seg, records, segmentsDir);
            CompressedSegment c =
                    CompressedSegment.open(seg.ordinal(), z, BlockSource.of(z), state.blockCache(), false);
            c.seal(seg.offsetFile());
            state.replace(seg, c);
            seg.close(); // readers still holding it keep its map until they finish
            Files.delete(seg.path());
            Segment.forceDirectory(segmentsDir);
            segments.incrementAndGet();
            plainBytes.addAndGet(c.extent());
            compressedBytes.addAndGet(c.storedBytes());
            nanos.addAndGet(System.nanoTime() - t0);
            LOG.debug("compressed {}: {} -> {} bytes", seg.path(), c.extent(), c.storedBytes());
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            // the plain segment stays and keeps serving; the next open tries again
            LOG.warn("could not compress {}; it stays uncompressed", seg.path(), e);
        }
    }

    public Stats stats() {
        return new Stats(segments.get(), plainBytes.get(), compressedBytes.get(), nanos.get(), failures.get());
    }

    /** Waits until every queued compaction has run (tests, benchmarks, {@code archive run}). */
    public void awaitIdle() throws InterruptedException {
        state.indexes().awaitFlushed(); // a segment is queued once its index files are written
        try {
            thread.submit(() -> {}).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdown();
        try {
            if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.warn("compaction still running after 60 s; the next open finishes or redoes it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
