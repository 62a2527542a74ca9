package dev.hindsight.store.file.internal;

/**
 * The in-memory index entries of one stretch of a segment: exact aggregate and event-id tables for the positions from
 * {@link #base} on. The active memtable is written by the writer thread; it is frozen (never written again) when its
 * segment rolls, or earlier, when it holds {@code FileLogOptions.memtableEvents()} events (a spill, so that memory
 * does not follow how full the active segment is), until the flusher has written its entries as index runs (and, for
 * the last memtable of a sealed segment, the segment's offset file). Thread-safety: see {@link AggregateIndex} and
 * {@link UuidIndex}; the id table is read only by the writer and, once frozen, by the flusher.
 */
final class Memtable {
    final LogFile segment;
    /** First position this memtable covers: its segment's first, or the one after the previous spill. */
    private final long base;

    final AggregateIndex aggregates = new AggregateIndex();
    final UuidIndex ids = new UuidIndex();
    /** Last position covered, set when the memtable is frozen (0 while active). */
    volatile long to;
    /** Whether it was frozen at its segment's roll (the segment's last memtable: its flush seals the segment). */
    volatile boolean seals;

    Memtable(LogFile segment, long base) {
        this.segment = segment;
        this.base = base;
    }

    /** First position covered. */
    long base() {
        return base;
    }
}
