package dev.hindsight.store.file.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.function.Function;

/**
 * The decompressed blocks (and block tables) of compressed segments, bounded by bytes and shared by every compressed
 * segment of one log, so memory does not grow with the number of segments. Blocks are kept outside the Java heap, in
 * slots of a {@link BlockMemory} of the same byte budget (a block that finds no free slot, or is larger than one, is
 * kept on the heap), so that the garbage collector never copies their bytes; a block is read only while its reader
 * holds a reference ({@link #pin}), and its slot is reused only after the cache and every reader let it go. Thread-safe.
 */
public final class BlockCache implements AutoCloseable {
    /** A block of a segment; block -1 is the segment's block table. */
    record Key(CompressedSegment segment, int block) {}

    /** A cached value and its size in bytes. */
    interface Sized {
        int bytes();
    }

    private final Cache<Key, Sized> cache;
    private final BlockMemory memory;
    private final DecompressScratch scratch = new DecompressScratch();

    /**
     * Slots kept out of the cache's weight, for blocks that readers still hold after their eviction and for loads
     * running at once (each takes its slot before the cache evicts for it): a quarter of the slots, at most 32.
     */
    static final int HEADROOM_SLOTS = 32;

    public BlockCache(long maxBytes) {
        this.memory = new BlockMemory(maxBytes);
        long headroom = (long) Math.min(HEADROOM_SLOTS, memory.maxSlots() / 4) * BlockMemory.SLOT_BYTES;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(Math.max(maxBytes - headroom, 1))
                .weigher((Key k, Sized v) -> Math.max(1, v.bytes()))
                .executor(Runnable::run) // evictions release their blocks before the call that caused them returns
                .removalListener((Key k, Sized v, com.github.benmanes.caffeine.cache.RemovalCause c) -> {
                    if (v instanceof CachedBlock b) {
                        b.release(); // the cache's reference
                    }
                })
                .recordStats()
                .build();
    }

    @SuppressWarnings("unchecked")
    <T extends Sized> T get(Key key, Function<Key, T> load) {
        return (T) cache.get(key, load);
    }

    /**
     * The cached block of {@code key}, loading it with {@code load} if absent, with a reference taken for the caller,
     * who must {@link CachedBlock#release} it. {@code load} returns a block holding the cache's reference only.
     */
    CachedBlock pin(Key key, Function<Key, CachedBlock> load) {
        for (int attempt = 0; ; attempt++) {
            CachedBlock[] loaded = new CachedBlock[1];
            Sized v = cache.get(key, k -> {
                CachedBlock b = load.apply(k);
                b.retain(); // the caller's, taken before any other thread can see the block
                loaded[0] = b;
                return b;
            });
            CachedBlock b = (CachedBlock) v;
            if (b == loaded[0] || b.retain()) {
                return b;
            }
            // evicted, and its last reference let go, between the lookup and the retain: look again
            if (attempt >= 3) {
                CachedBlock own = load.apply(key); // not cached: this reader's alone
                return own;
            }
        }
    }

    boolean contains(Key key) {
        return cache.getIfPresent(key) != null;
    }

    /** Drops every entry of {@code segment} (it changed tier or closed). */
    void invalidate(CompressedSegment segment) {
        cache.asMap().keySet().removeIf(k -> k.segment() == segment);
    }

    /** Where blocks are decompressed to. */
    BlockMemory memory() {
        return memory;
    }

    /** Direct input buffers and decompression contexts for decoding blocks. */
    DecompressScratch scratch() {
        return scratch;
    }

    /** Blocks and tables cached now (tests). */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Weighted bytes cached now (tests). */
    long weightedBytes() {
        cache.cleanUp();
        return cache.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    /** Hits and misses since the log opened. */
    public CacheStats stats() {
        return cache.stats();
    }

    /** Drops every entry and the off-heap memory (blocks still held by readers stay valid until released). */
    @Override
    public void close() {
        cache.invalidateAll();
        cache.cleanUp();
        memory.close();
        scratch.close();
    }
}
