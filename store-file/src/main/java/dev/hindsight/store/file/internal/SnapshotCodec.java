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
 * <p>Every zstd object is made on first use: on Java 22 and later zstd-jni binds its native functions through the
 * foreign-function API when its first class initialises, ~0.3 s of CPU that opening a store (and so {@code serve}'s
 * start-up) should not pay before the first snapshot is written or read.
 *
 * <p>Thread-safety: {@link #decompress} and {@link #hasDictionary} are thread-safe; the other methods must be called
 * under the owning store's lock (or by the one thread that owns a generation being built by compaction).
 */
final class SnapshotCodec implements AutoCloseable {
    private final int level;
    private @Nullable ZstdCompressCtx ctx;
    private final Map<Long, byte[]> dictionaries = new ConcurrentHashMap<>(); // by offset, for reads
    private final Map<Long, ZstdDictDecompress> decompressors = new ConcurrentHashMap<>(); // made from those
    private final ArrayBlockingQueue<ZstdDecompressCtx> dctxs = new ArrayBlockingQueue<>(8);
    private final ArrayBlockingQueue<ZstdDecompressCtx> plain = new ArrayBlockingQueue<>(8); // never given a dictionary
    private long dictionary;
    private byte @Nullable [] dictionaryBytes;
    private @Nullable ZstdDictCompress compressor; // referenced while ctx uses it

    SnapshotCodec(int level) {
        this.level = level;
    }

    /** Compresses the next records with {@code dict}, the dictionary record at {@code offset}. */
    void use(long offset, byte[] dict) {
        dictionary = offset;
        dictionaryBytes = dict.clone();
        if (ctx != null) {
            ctx.close(); // the next compress makes one with the new dictionary
            ctx = null;
        }
        if (compressor != null) {
            compressor.close();
            compressor = null;
        }
        dictionaries.putIfAbsent(offset, dictionaryBytes);
    }

    long dictionary() {
        return dictionary;
    }

    byte @Nullable [] dictionaryBytes() {
        return dictionaryBytes;
    }

    boolean hasDictionary(long offset) {
        return dictionaries.containsKey(offset);
    }

    /** Registers a dictionary found by reading its record (for records compressed with it). */
    void register(long offset, byte[] dict) {
        dictionaries.putIfAbsent(offset, dict);
    }

    SnapshotGeneration.Compressed compress(byte[] raw) {
        ZstdCompressCtx c = ctx;
        if (c == null) {
            c = new ZstdCompressCtx()
                    .setLevel(level)
                    .setDictID(false) // records name their dictionary themselves
                    .setContentSize(false); // and their raw length
            if (dictionaryBytes != null) {
                compressor = new ZstdDictCompress(dictionaryBytes, level);
                c.loadDict(compressor);
            }
            ctx = c;
        }
        return new SnapshotGeneration.Compressed(dictionaryBytes == null ? 0 : dictionary, c.compress(raw));
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
            byte[] dict = dictionaries.get(dictionaryOffset);
            if (dict == null) {
                throw new IllegalStateException("dictionary at " + dictionaryOffset + " not loaded");
            }
            d = decompressors.computeIfAbsent(dictionaryOffset, o -> new ZstdDictDecompress(dict));
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
        if (ctx != null) {
            ctx.close();
        }
        if (compressor != null) {
            compressor.close();
        }
        ZstdDecompressCtx dc;
        while ((dc = dctxs.poll()) != null || (dc = plain.poll()) != null) {
            dc.close();
        }
    }
}
