package dev.hindsight.store.file.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A decompressed block of a compressed segment, in the segment's offset space from {@link #start}: its bytes in a slot
 * of {@link BlockMemory} (or on the heap, when no slot was free or the block is larger than a slot) and a count of
 * references. The block cache holds one from the moment the block is made until it is evicted or invalidated; every
 * reader holds one from {@link #retain} to {@link #release} (a {@link LogFile.Loc} closed). The slot goes back to
 * the memory only when the count reaches zero, so a block evicted while it is read keeps its bytes until the last
 * reader is done, and a block whose count reached zero can never be retained again (its slot may already hold another
 * block). Thread-safe.
 */
final class CachedBlock implements BlockCache.Sized {
    private final int start;
    private final ByteBuffer data;
    private final @Nullable ByteBuffer slot;
    private final @Nullable BlockMemory memory;
    private final AtomicInteger refs = new AtomicInteger(1);

    /** A block whose bytes are {@code data}, a view of {@code slot} taken from {@code memory} (both null: heap). */
    CachedBlock(int start, ByteBuffer data, @Nullable ByteBuffer slot, @Nullable BlockMemory memory) {
        this.start = start;
        this.data = data;
        this.slot = slot;
        this.memory = memory;
    }

    int start() {
        return start;
    }

    /** The block's bytes (position 0, limit = capacity = its size); valid while a reference is held. */
    ByteBuffer data() {
        return data;
    }

    /** Whether the bytes are outside the Java heap. */
    boolean offHeap() {
        return slot != null;
    }

    @Override
    public int bytes() {
        return (slot != null ? slot.capacity() : data.capacity()) + 32;
    }

    /** Takes a reference; false if the count already reached zero (the block is gone: load it again). */
    boolean retain() {
        for (; ; ) {
            int r = refs.get();
            if (r <= 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /** Lets a reference go; the last one gives the slot back. */
    void release() {
        int r = refs.decrementAndGet();
        if (r < 0) {
            throw new IllegalStateException("block at " + start + " released more often than retained");
        }
        if (r == 0 && slot != null && memory != null) {
            memory.give(slot);
        }
    }

    /** References held now (tests). */
    int references() {
        return refs.get();
    }
}
