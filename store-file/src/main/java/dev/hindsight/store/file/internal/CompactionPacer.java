package dev.hindsight.store.file.internal;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Keeps background compaction from taking the CPU that appends need: after each compressed block, if the log grew
 * while the block was being compressed, the compactor pauses for {@code (1 - share) / share} times the block's busy
 * time, so that it uses at most {@code share} of one core while appends flow; when the log stands still (or the
 * store is closing) it runs at full speed. Compression at zstd level 15 runs at 4–6 MB/s per core on a loaded
 * 2-core VM (ADR 0012), so an unpaced compactor took half the server's CPU during a bulk fill (ADR 0012, amendment of
 * session 11); paced at a quarter of a core it still compresses ~1.2 MB/s, about 3,500 seed events/s, above the seed's
 * 1,000 events/s peak. A faster fill leaves sealed segments plain for longer; they are compressed in order when the
 * appends pause (and on the next open if the process stops first). Not thread-safe: the compactor thread only.
 */
final class CompactionPacer implements SegmentCompressor.Pacer {
    /** Share of one core the compactor may use while appends flow. */
    static final double SHARE_WHILE_APPENDING = 0.25;
    /** Longest single pause, so that a slow block (a loaded machine) cannot stall compaction for long. */
    static final long MAX_PAUSE_NANOS = 1_000_000_000L;

    /** Sleeps for a number of nanoseconds. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final LongSupplier logEnd;
    private final double share;
    private final BooleanSupplier closing;
    private final Sleeper sleeper;
    private long lastEnd;

    /**
     * @param logEnd the log's last committed position (it grows while appends flow)
     * @param share share of one core the compactor may use while appends flow, in (0, 1]
     * @param closing whether the store is closing (then no pauses)
     */
    CompactionPacer(LongSupplier logEnd, double share, BooleanSupplier closing, Sleeper sleeper) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("share must be in (0, 1], not " + share);
        }
        this.logEnd = logEnd;
        this.share = share;
        this.closing = closing;
        this.sleeper = sleeper;
        this.lastEnd = logEnd.getAsLong();
    }

    /** The compactor's pacer: a quarter of a core while appends flow, sleeping with {@link Thread#sleep}. */
    static CompactionPacer of(LogState state, BooleanSupplier closing) {
        return new CompactionPacer(
                state::committed,
                SHARE_WHILE_APPENDING,
                closing,
                nanos -> Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L)));
    }

    @Override
    public void afterBlock(long busyNanos) {
        long end = logEnd.getAsLong();
        boolean appending = end != lastEnd;
        lastEnd = end;
        if (!appending || closing.getAsBoolean() || share >= 1) {
            return;
        }
        long pause = Math.min(MAX_PAUSE_NANOS, (long) (busyNanos * (1 - share) / share));
        if (pause <= 0) {
            return;
        }
        try {
            sleeper.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
