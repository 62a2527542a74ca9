package dev.hindsight.store.file.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.function.Function;

/**
 * The decompressed blocks (and block tables) of compressed segments, bounded by bytes and shared by every compressed
 * segment of one log, so memory does not grow with the number of segments. Thread-safe.
 */
public final class BlockCache {
    /** A block of a segment; block -1 is the segment's block table. */
    record Key(CompressedSegment segment, int block) {}

    /** A cached value and its size in bytes. */
    interface Sized {
        int bytes();
    }

    private final Cache<Key, Sized> cache;

    public BlockCache(long maxBytes) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(Math.max(maxBytes, 1))
                .weigher((Key k, Sized v) -> Math.max(1, v.bytes()))
                .recordStats()
                .build();
    }

    @SuppressWarnings("unchecked")
    <T extends Sized> T get(Key key, Function<Key, T> load) {
        return (T) cache.get(key, load);
    }

    boolean contains(Key key) {
        return cache.getIfPresent(key) != null;
    }

    /** Drops every entry of {@code segment} (it changed tier or closed). */
    void invalidate(CompressedSegment segment) {
        cache.asMap().keySet().removeIf(k -> k.segment() == segment);
    }

    /** Hits and misses since the log opened. */
    public CacheStats stats() {
        return cache.stats();
    }
}
