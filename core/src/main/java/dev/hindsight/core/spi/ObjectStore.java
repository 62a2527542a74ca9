package dev.hindsight.core.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An object store that archives hold their files in (S3 or an S3-compatible server, or a directory). Keys are
 * relative to the store's configured prefix. Implementations are thread-safe.
 */
public interface ObjectStore extends AutoCloseable {
    /**
     * What the store knows about one object.
     *
     * @param size bytes
     * @param md5 lower-case hex MD5 of the content, as the store computed it (S3's ETag of a single-part upload)
     */
    record ObjectInfo(long size, String md5) {}

    /** Uploads {@code file} as {@code key}, replacing any object there. */
    void put(String key, Path file) throws IOException;

    /** Uploads {@code bytes} as {@code key}, replacing any object there. */
    void put(String key, byte[] bytes) throws IOException;

    /** Reads {@code length} bytes of {@code key} from {@code offset}. */
    byte[] get(String key, long offset, int length) throws IOException;

    /**
     * Reads {@code into.remaining()} bytes of {@code key} from {@code offset} into {@code into}, whose position ends
     * at its limit: for callers that keep their own (direct) buffers, so that a large read leaves no array of its size
     * on the heap. The default reads an array with {@link #get(String, long, int)} and copies it.
     */
    default void get(String key, long offset, ByteBuffer into) throws IOException {
        into.put(get(key, offset, into.remaining()));
    }

    /** The whole object, or null if there is none. */
    byte @Nullable [] get(String key) throws IOException;

    /** Size and checksum of {@code key}, or null if there is no such object. */
    @Nullable
    ObjectInfo head(String key) throws IOException;

    /** Keys under {@code prefix}, sorted. */
    List<String> list(String prefix) throws IOException;

    void delete(String key) throws IOException;

    /** Where it is, e.g. {@code s3://bucket/prefix (endpoint http://127.0.0.1:9000)}, for messages. */
    String describe();

    @Override
    void close();
}
