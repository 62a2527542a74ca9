package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The block cache's off-heap memory and the lifetime of its blocks, with blocks made here (each filled with its own
 * key's byte, so a slot handed to another block while still read would show): {@code BlockLifetimeTest} does the same
 * with real compressed segments.
 */
class BlockCacheTest {
    private static final int SLOT = BlockMemory.SLOT_BYTES;

    /** A block of {@code SLOT} bytes, all {@code (byte) key.block()}, in a slot of the cache's memory if one is free. */
    private static CachedBlock fill(BlockCache cache, BlockCache.Key key) {
        BlockMemory memory = cache.memory();
        ByteBuffer slot = memory.take();
        ByteBuffer data = slot != null ? slot.slice(0, SLOT) : ByteBuffer.allocate(SLOT);
        byte v = (byte) key.block();
        for (int i = 0; i < SLOT; i += 8) {
            data.putLong(i, 0x0101010101010101L * (v & 0xff));
        }
        return new CachedBlock(0, data, slot, slot == null ? null : memory);
    }

    private static BlockCache.Key key(int block) {
        return new BlockCache.Key(null, block);
    }

    /** The first byte not equal to {@code v}, or -1. */
    private static int firstDifferent(ByteBuffer b, int v) {
        for (int i = 0; i < b.limit(); i++) {
            if (b.get(i) != (byte) v) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void memory_isAllocatedAsSlotsAreNeeded_andNeverBeyondItsBytes() {
        BlockMemory m = new BlockMemory(5L * SLOT + SLOT / 2); // rounded down to 5 slots
        assertThat(m.maxSlots()).isEqualTo(5);
        assertThat(m.reservedBytes()).isZero(); // nothing until the first block
        List<ByteBuffer> taken = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ByteBuffer s = m.take();
            assertThat(s).isNotNull();
            assertThat(s.isDirect()).isTrue();
            assertThat(s.capacity()).isEqualTo(SLOT);
            taken.add(s);
        }
        assertThat(m.take()).isNull(); // full: the caller keeps its block on the heap
        assertThat(m.reservedBytes()).isEqualTo(5L * SLOT);
        assertThat(m.inUse()).isEqualTo(5);
        m.give(taken.get(2));
        assertThat(m.inUse()).isEqualTo(4);
        assertThat(m.take()).isSameAs(taken.get(2));
        assertThat(new BlockMemory(0).take()).isNull();
        assertThatThrownBy(() -> m.give(ByteBuffer.allocateDirect(16))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void largeBudget_isAllocatedSlabBySlab() {
        BlockMemory m = new BlockMemory(64L << 20);
        m.take();
        assertThat(m.reservedBytes()).isEqualTo((long) BlockMemory.SLOTS_PER_SLAB * SLOT);
        for (int i = 1; i <= BlockMemory.SLOTS_PER_SLAB; i++) {
            m.take();
        }
        assertThat(m.reservedBytes()).isEqualTo(2L * BlockMemory.SLOTS_PER_SLAB * SLOT);
    }

    @Test
    void evictedBlock_keepsItsBytesWhileHeld_andItsSlotComesBackOnlyWhenReleased() {
        try (BlockCache cache = new BlockCache(3L * SLOT)) { // 3 slots; 2 blocks of SLOT + overhead fit the weight
            CachedBlock held = cache.pin(key(1), k -> fill(cache, k));
            assertThat(held.offHeap()).isTrue();
            assertThat(held.references()).isEqualTo(2); // the cache's and ours
            for (int k = 2; k < 40; k++) {
                cache.pin(key(k), x -> fill(cache, x)).release();
            }
            assertThat(cache.contains(key(1))).isFalse(); // evicted long ago
            assertThat(held.references()).isEqualTo(1); // ours only
            assertThat(firstDifferent(held.data(), 1)).isEqualTo(-1); // nobody got its slot
            int inUse = cache.memory().inUse();
            held.release();
            assertThat(cache.memory().inUse()).isEqualTo(inUse - 1);
            assertThat(held.retain()).isFalse(); // gone: a reader would load it again
            assertThatThrownBy(held::release).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void cache_staysWithinItsBytes_andClosingReleasesEverything() {
        BlockCache cache = new BlockCache(4L * SLOT);
        CachedBlock held = cache.pin(key(7), k -> fill(cache, k));
        for (int k = 0; k < 100; k++) {
            cache.pin(key(k), x -> fill(cache, x)).release();
            assertThat(cache.weightedBytes()).isLessThanOrEqualTo(4L * SLOT);
            assertThat(cache.memory().reservedBytes()).isLessThanOrEqualTo(4L * SLOT);
        }
        cache.close();
        assertThat(cache.size()).isZero();
        assertThat(cache.memory().reservedBytes()).isZero();
        assertThat(cache.memory().take()).isNull();
        assertThat(cache.memory().inUse()).isEqualTo(held.offHeap() ? 1 : 0); // a reader's block outlives the close
        assertThat(firstDifferent(held.data(), 7)).isEqualTo(-1);
        held.release();
        assertThat(cache.memory().inUse()).isZero();
    }

    @Test
    void zeroBytes_keepsNothingOffHeap_andStillServesBlocks() {
        try (BlockCache cache = new BlockCache(0)) {
            CachedBlock b = cache.pin(key(3), k -> fill(cache, k));
            assertThat(b.offHeap()).isFalse();
            assertThat(firstDifferent(b.data(), 3)).isEqualTo(-1);
            b.release();
        }
    }

    @Test
    void concurrentReadersAndEvictions_neverSeeAnotherBlocksBytes() throws Exception {
        BlockCache cache = new BlockCache(16L * SLOT); // 16 slots for 64 keys and 8 readers: constant eviction
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        AtomicInteger offHeap = new AtomicInteger();
        // at least 1.5 s and 2,000 reads (a loaded machine may need longer for them), at most 30 s
        long until = System.nanoTime() + 1_500_000_000L;
        long limit = System.nanoTime() + 30_000_000_000L;
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            readers.add(Thread.ofPlatform().start(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while ((System.nanoTime() < until || reads.get() < 2000)
                        && System.nanoTime() < limit
                        && wrong.isEmpty()) {
                    int k = r.nextInt(64);
                    CachedBlock b = cache.pin(key(k), x -> fill(cache, x));
                    try {
                        if (b.offHeap()) {
                            offHeap.incrementAndGet();
                        }
                        int at = firstDifferent(b.data(), k);
                        Thread.yield(); // hold it while others evict and load
                        int again = firstDifferent(b.data(), k);
                        if (at >= 0 || again >= 0) {
                            wrong.add("block " + k + " changed under its reader at " + Math.max(at, again));
                        }
                    } finally {
                        b.release();
                    }
                    reads.incrementAndGet();
                }
            }));
        }
        for (Thread t : readers) {
            t.join();
        }
        assertThat(wrong).isEmpty();
        assertThat(reads.get()).isGreaterThan(1000);
        assertThat(offHeap.get()).isGreaterThan(reads.intValue() / 4); // most blocks found a slot
        assertThat(cache.memory().reservedBytes()).isLessThanOrEqualTo(16L * SLOT);
        assertThat(cache.stats().evictionCount()).isGreaterThan(100);
        cache.close();
        assertThat(cache.memory().inUse()).isZero(); // every slot came back: nothing leaked, nothing freed twice
    }
}
