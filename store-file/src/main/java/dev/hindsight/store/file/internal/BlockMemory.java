package dev.hindsight.store.file.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory outside the Java heap for decompressed blocks: fixed-size slots ({@link #SLOT_BYTES}, one block of the
 * compressed format) carved from direct buffers ("slabs") that are allocated only as slots are first needed, never
 * more than {@code maxBytes} in all. A slot is handed out by {@link #take} and comes back with {@link #give}; until
 * then nobody else gets it, so a block's bytes never change under a reader that still holds it (the block's reference
 * count decides when it is given back, {@link CachedBlock}). On the heap a cached block is only a small buffer object,
 * so a young collection has none of its bytes to copy (docs/benchmarks.md, session 18 (h51)).
 *
 * <p>{@link #close} drops the slabs: their memory is returned by the JVM once no view of them is reachable any more
 * (a slot still held by a reader stays valid until that reader lets it go, so a late reader never touches freed
 * memory). Thread-safe.
 */
final class BlockMemory {
    private static final Logger LOG = LoggerFactory.getLogger(BlockMemory.class);

    /** A slot holds one decompressed block of {@link SegmentCompressor#BLOCK_BYTES} or less. */
    static final int SLOT_BYTES = SegmentCompressor.BLOCK_BYTES;
    /** Slots per slab (1 MiB slabs): few direct buffers, allocated as the cache fills. */
    static final int SLOTS_PER_SLAB = 16;

    private final int maxSlots;
    /** Slots there can be: {@link #maxSlots}, or those carved when the JVM's direct memory ran out. */
    private int slotLimit;

    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final List<ByteBuffer> slabs = new ArrayList<>();
    private @Nullable ByteBuffer slab;
    private int carved;
    private int inUse;
    private boolean closed;

    /** At most {@code maxBytes} of slots (rounded down to whole slots); 0: none (every block stays on the heap). */
    BlockMemory(long maxBytes) {
        this.maxSlots = (int) Math.min(Integer.MAX_VALUE, Math.max(0, maxBytes) / SLOT_BYTES);
        this.slotLimit = maxSlots;
    }

    /**
     * A free slot of {@link #SLOT_BYTES} (position 0, limit = capacity), or null if every slot is taken (or the memory
     * is closed, or the JVM's direct memory ran out before the budget): the caller then keeps its block on the heap.
     */
    synchronized @Nullable ByteBuffer take() {
        if (closed) {
            return null;
        }
        ByteBuffer s = free.pollFirst();
        if (s == null) {
            if (carved >= slotLimit) {
                return null;
            }
            int inSlab = carved % SLOTS_PER_SLAB;
            ByteBuffer current = slab;
            if (inSlab == 0 || current == null) {
                try {
                    current = ByteBuffer.allocateDirect(Math.min(SLOTS_PER_SLAB, maxSlots - carved) * SLOT_BYTES);
                } catch (OutOfMemoryError e) {
                    // the JVM's direct memory (-XX:MaxDirectMemorySize) ran out before the budget: no more slots, so
                    // that later blocks go on the heap at once instead of each failing the read after the JVM's
                    // collect-and-retry
                    slotLimit = carved;
                    LOG.warn(
                            "block cache: direct memory ran out after {} of {} bytes ({}); further blocks are kept on"
                                    + " the heap. Raise -XX:MaxDirectMemorySize or lower blockCacheBytes",
                            (long) carved * SLOT_BYTES,
                            (long) maxSlots * SLOT_BYTES,
                            e.getMessage());
                    return null;
                }
                slab = current;
                slabs.add(current);
            }
            s = current.slice(inSlab * SLOT_BYTES, SLOT_BYTES);
            carved++;
        }
        inUse++;
        return s.clear();
    }

    /** Returns a slot from {@link #take}; it may be handed out again at once. */
    synchronized void give(ByteBuffer slot) {
        if (slot.capacity() != SLOT_BYTES || !slot.isDirect()) {
            throw new IllegalArgumentException("not a slot of this memory");
        }
        inUse--;
        if (!closed) {
            free.addFirst(slot);
        }
    }

    /** Slots handed out and not given back. */
    synchronized int inUse() {
        return inUse;
    }

    /** Bytes of slabs allocated (and not dropped by {@link #close}). */
    synchronized long reservedBytes() {
        long n = 0;
        for (ByteBuffer s : slabs) {
            n += s.capacity();
        }
        return n;
    }

    /** Most slots. */
    int maxSlots() {
        return maxSlots;
    }

    /** Hands out no more slots and drops the slabs (see the class comment for slots still held). */
    synchronized void close() {
        closed = true;
        free.clear();
        slabs.clear();
        slab = null;
    }
}
