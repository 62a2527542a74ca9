package dev.hindsight.store.file.internal;

/**
 * The in-memory index entries of one segment: exact aggregate and event-id tables. The active segment's memtable is
 * written by the writer thread; at a roll it is frozen (never written again) until the flusher has written its
 * entries as index runs and the segment's offset file. Thread-safety: see {@link AggregateIndex} and
 * {@link UuidIndex}; the id table is read only by the writer and, once frozen, by the flusher.
 */
final class Memtable {
    final LogFile segment;
    final AggregateIndex aggregates = new AggregateIndex();
    final UuidIndex ids = new UuidIndex();
    /** Last position of the segment, set when the memtable is frozen (0 while active). */
    volatile long to;

    Memtable(LogFile segment) {
        this.segment = segment;
    }

    /** First position of the segment. */
    long base() {
        return segment.basePosition();
    }
}
