package dev.hindsight.store.file.internal;

import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reusable direct input buffers and zstd decompression contexts for {@link CompressedSegment}, so that decoding a
 * block allocates nothing on the Java heap: its compressed bytes are read (or copied out of a coalesced ranged read)
 * into a leased direct buffer and decompressed from there into a {@link BlockMemory} slot. At most {@link #KEEP} idle
 * leases are kept; more concurrent decodes make (and then close) their own. Thread-safe; a lease is one thread's.
 */
final class DecompressScratch implements AutoCloseable {
    static final int KEEP = 16;
    /** Enough for a compressed block of the format (zstd's bound for 64 KiB is ~65.8 KB); grown when needed. */
    static final int INITIAL_BYTES = 96 * 1024;

    private final ConcurrentLinkedQueue<Lease> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private volatile boolean closed;

    /** A direct input buffer and a decompression context, until {@link #close}. */
    final class Lease implements AutoCloseable {
        private ByteBuffer in = ByteBuffer.allocateDirect(INITIAL_BYTES);
        private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();

        /** The input buffer, cleared, with room for (and limit at) {@code length} bytes. */
        ByteBuffer input(int length) {
            if (in.capacity() < length) {
                in = ByteBuffer.allocateDirect(Math.max(length, in.capacity() * 2));
            }
            return in.clear().limit(length);
        }

        ZstdDecompressCtx ctx() {
            return ctx;
        }

        /** Gives the lease back for another decode. */
        @Override
        public void close() {
            if (!closed && idleCount.incrementAndGet() <= KEEP) {
                idle.add(this);
                if (closed && idle.remove(this)) { // closed meanwhile: nobody will take it
                    idleCount.decrementAndGet();
                    ctx.close();
                }
                return;
            }
            idleCount.decrementAndGet();
            ctx.close();
        }
    }

    Lease lease() {
        Lease l = idle.poll();
        if (l != null) {
            idleCount.decrementAndGet();
            return l;
        }
        return new Lease();
    }

    /** Closes the idle contexts; leases given back later close theirs. */
    @Override
    public void close() {
        closed = true;
        for (Lease l; (l = idle.poll()) != null; ) {
            idleCount.decrementAndGet();
            l.ctx.close();
        }
    }
}
