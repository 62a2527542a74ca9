package dev.hindsight.store.file.internal;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The zstd side of one snapshot generation: the dictionary new records are compressed with (named by the offset of
 * its dictionary record) and one compression context, and for reads the dictionaries by offset and a small pool of
 * decompression contexts (creating one costs ~0.1 ms).
 *
 * <p>Thread-safety: {@link #decompress} and {@link #hasDictionary} are thread-safe; the other methods must be called
 * under the owning store's lock (or by the one thread that owns a generation being built by compaction).
 */
final class SnapshotCodec implements AutoCloseable {
    private final int level;
    private final ZstdCompressCtx ctx;
    private final Map<Long, ZstdDictDecompress> decompressors = new ConcurrentHashMap<>();
    private final ArrayBlockingQueue<ZstdDecompressCtx> dctxs = new ArrayBlockingQueue<>(8);
    private final ArrayBlockingQueue<ZstdDecompressCtx> plain = new ArrayBlockingQueue<>(8); // never given a dictionary
    private long dictionary;
    private byte @Nullable [] dictionaryBytes;
    private @Nullable ZstdDictCompress compressor; // referenced while ctx uses it

    SnapshotCodec(int level) {
        this.level = level;
        this.ctx = new ZstdCompressCtx()
                .setLevel(level)
                .setDictID(false) // records name their dictionary themselves
                .setContentSize(false); // and their raw length
    }

    /** Compresses the next records with {@code dict}, the dictionary record at {@code offset}. */
    void use(long offset, byte[] dict) {
        dictionary = offset;
        dictionaryBytes = dict.clone();
        compressor = new ZstdDictCompress(dict, level);
        ctx.loadDict(compressor);
        decompressors.putIfAbsent(offset, new ZstdDictDecompress(dict));
    }

    long dictionary() {
        return dictionary;
    }

    byte @Nullable [] dictionaryBytes() {
        return dictionaryBytes;
    }

    boolean hasDictionary(long offset) {
        return decompressors.containsKey(offset);
    }

    /** Registers a dictionary found by reading its record (for records compressed with it). */
    void register(long offset, byte[] dict) {
        decompressors.putIfAbsent(offset, new ZstdDictDecompress(dict));
    }

    SnapshotGeneration.Compressed compress(byte[] raw) {
        return new SnapshotGeneration.Compressed(compressor == null ? 0 : dictionary, ctx.compress(raw));
    }

    /**
     * Decompresses a body compressed with the dictionary at {@code dictionaryOffset} (0: none), which must have been
     * {@linkplain #register registered}.
     *
     * @throws RuntimeException if the body does not decompress
     */
    byte[] decompress(byte[] body, long dictionaryOffset, int rawLength) {
        ZstdDictDecompress d = null;
        if (dictionaryOffset != 0) {
            d = decompressors.get(dictionaryOffset);
            if (d == null) {
                throw new IllegalStateException("dictionary at " + dictionaryOffset + " not loaded");
            }
        }
        ArrayBlockingQueue<ZstdDecompressCtx> pool = d == null ? plain : dctxs;
        ZstdDecompressCtx dc = pool.poll();
        if (dc == null) {
            dc = new ZstdDecompressCtx();
        }
        try {
            return (d == null ? dc : dc.loadDict(d)).decompress(body, rawLength);
        } finally {
            if (!pool.offer(dc)) {
                dc.close();
            }
        }
    }

    @Override
    public void close() {
        ctx.close();
        ZstdDecompressCtx dc;
        while ((dc = dctxs.poll()) != null || (dc = plain.poll()) != null) {
            dc.close();
        }
    }
}
