package dev.hindsight.store.postgres.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.RecordedEvent;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The decoded blocks and parsed block tables of archived objects, in one cache bounded by (estimated) bytes, least
 * recently used out first: memory does not grow with the number of objects or events archived. Only checked data is
 * put in. Thread-safe.
 */
final class BlockCache {
    /** Estimated heap bytes of a decoded event beyond its strings' characters. */
    private static final int EVENT_OVERHEAD = 200;

    /** An archived object: its index row and its block table (parsed, CRC checked). */
    record Segment(ArchiveIndex.SegmentRow row, ArchiveSegmentReader.Table table) {}

    private record BlockKey(String key, int block) {}

    private record Block(List<RecordedEvent> events, int bytes) {}

    private record AggregateKey(String aggregateId) {}

    /**
     * Where an aggregate's archived versions up to {@code hi} are. Valid as long as {@code hi} is: objects holding
     * versions at or below it never change, and a run that archives more of the aggregate moves its oldest row, and so
     * the {@code hi} that readers ask for.
     */
    record AggregateRefs(long hi, List<ArchiveIndex.AggregateRef> refs) {}

    private final Cache<Object, Object> cache;

    BlockCache(long maxBytes) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(Math.max(1, maxBytes))
                .weigher(BlockCache::weigh)
                .recordStats()
                .build();
    }

    private static int weigh(Object key, Object value) {
        return switch (value) {
            case Block b -> b.bytes();
            case Segment s -> s.row().table().length + 8 * s.row().blockPositions().length + 256;
            case AggregateRefs a ->
                64 + a.refs().stream().mapToInt(r -> 96 + 4 * r.blocks().length).sum();
            default -> 1;
        };
    }

    /** The cached object {@code key}, or null. */
    @Nullable
    Segment segment(String key) {
        return (Segment) cache.getIfPresent(key);
    }

    /**
     * The object of {@code row}, its block table parsed and checked on first use.
     *
     * @throws CorruptionException if the block table fails its CRC or does not agree with the row
     */
    Segment segment(ArchiveIndex.SegmentRow row) {
        return (Segment) cache.get(row.key(), k -> {
            ArchiveSegmentReader.Table t;
            try {
                t = ArchiveSegmentReader.table(row.table(), row.blocks(), row.key());
            } catch (IllegalArgumentException e) {
                throw new CorruptionException(e.getMessage() + " (as the archive index holds it)");
            }
            if (row.blockPositions().length != row.blocks()) {
                throw new CorruptionException("archived segment " + row.key() + ": the archive index lists "
                        + row.blockPositions().length + " block positions for " + row.blocks() + " blocks");
            }
            return new Segment(row, t);
        });
    }

    /** Block {@code block} of object {@code key}, decoded, or null if it is not cached. */
    @Nullable
    List<RecordedEvent> block(String key, int block) {
        Block b = (Block) cache.getIfPresent(new BlockKey(key, block));
        return b == null ? null : b.events();
    }

    /** The cached refs of {@code aggregateId}, or null. */
    @Nullable
    AggregateRefs refs(String aggregateId) {
        return (AggregateRefs) cache.getIfPresent(new AggregateKey(aggregateId));
    }

    void putRefs(String aggregateId, AggregateRefs refs) {
        cache.put(new AggregateKey(aggregateId), refs);
    }

    void putBlock(String key, int block, List<RecordedEvent> events) {
        long bytes = 64;
        for (RecordedEvent e : events) {
            bytes += EVENT_OVERHEAD
                    + e.aggregateId().length()
                    + e.eventType().length()
                    + e.eventData().length()
                    + e.metadata().length();
        }
        cache.put(new BlockKey(key, block), new Block(List.copyOf(events), (int) Math.min(Integer.MAX_VALUE, bytes)));
    }

    CacheStats stats() {
        return cache.stats();
    }
}
