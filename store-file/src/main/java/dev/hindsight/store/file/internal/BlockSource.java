package dev.hindsight.store.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where a compressed segment's bytes come from: a local file, or an object in the archive. Implementations are
 * thread-safe; reads are positional.
 */
public interface BlockSource extends AutoCloseable {
    /** Reads exactly {@code length} bytes at {@code offset}. */
    byte[] read(long offset, int length) throws IOException;

    /**
     * Reads exactly {@code into.remaining()} bytes at {@code offset} into {@code into} (its position ends at its limit);
     * a local file reads straight into it, so a direct buffer gets the bytes without a heap copy.
     */
    default void read(long offset, ByteBuffer into) throws IOException {
        into.put(read(offset, into.remaining()));
    }

    /** Total size in bytes. */
    long size() throws IOException;

    /**
     * Whether reads are served from local disk now (a local file, or the checked local copy of an archived segment):
     * then reading block by block costs a system call each, and there is nothing to gain from coalescing or
     * parallel requests.
     */
    default boolean isLocal() {
        return false;
    }

    /** Whether the bytes {@code [offset, offset + length)} are served from local disk now. */
    default boolean isLocal(long offset, long length) {
        return isLocal();
    }

    /**
     * Whether a local copy of a remote source is made (or will be, at its next read), so that remote reads of it are
     * only the first few: false when no copy can come (no local copies configured, or the object is larger than their
     * budget) and every read of it will be remote.
     */
    default boolean copyComing() {
        return false;
    }

    /** Human-readable location, for errors and logs. */
    String describe();

    @Override
    void close() throws IOException;

    /** Bytes in memory (a whole object fetched in one request). */
    static BlockSource of(byte[] bytes, String describe) {
        return new BlockSource() {
            @Override
            public byte[] read(long offset, int length) throws IOException {
                if (offset < 0 || offset + length > bytes.length) {
                    throw new IOException(describe + " ends at " + bytes.length + ", before " + (offset + length));
                }
                return java.util.Arrays.copyOfRange(bytes, (int) offset, (int) offset + length);
            }

            @Override
            public void read(long offset, ByteBuffer into) throws IOException {
                if (offset < 0 || offset + into.remaining() > bytes.length) {
                    throw new IOException(
                            describe + " ends at " + bytes.length + ", before " + (offset + into.remaining()));
                }
                into.put(bytes, (int) offset, into.remaining());
            }

            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public String describe() {
                return describe;
            }

            @Override
            public void close() {}
        };
    }

    /** An object of an object store; {@code size} from the archive manifest. */
    static BlockSource of(
            dev.hindsight.core.spi.@org.jspecify.annotations.Nullable ObjectStore store, String key, long size) {
        return new BlockSource() {
            @Override
            public byte[] read(long offset, int length) throws IOException {
                return configured().get(key, offset, length);
            }

            @Override
            public void read(long offset, ByteBuffer into) throws IOException {
                configured().get(key, offset, into); // straight into the caller's buffer
            }

            private dev.hindsight.core.spi.ObjectStore configured() throws IOException {
                if (store == null) {
                    throw new IOException("it is archived (" + key + ") and no archive is configured; open the store"
                            + " with its archive URL (--archive-url) to read it");
                }
                return store;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public String describe() {
                return (store == null ? "archive" : store.describe()) + key;
            }

            @Override
            public void close() {}
        };
    }

    /**
     * Reads {@code into.remaining()} bytes of {@code ch} at {@code offset} into {@code into}.
     *
     * @throws IOException if the file ends first (named as {@code what}) or cannot be read
     */
    static void readFully(FileChannel ch, long offset, ByteBuffer into, String what) throws IOException {
        long end = offset + into.remaining();
        long pos = offset;
        while (into.hasRemaining()) {
            int n = ch.read(into, pos);
            if (n < 0) {
                throw new IOException(what + " ends at " + pos + ", before " + end);
            }
            pos += n;
        }
    }

    /** A local file, read through its channel. */
    static BlockSource of(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        return new BlockSource() {
            @Override
            public byte[] read(long offset, int length) throws IOException {
                byte[] out = new byte[length];
                read(offset, ByteBuffer.wrap(out));
                return out;
            }

            @Override
            public void read(long offset, ByteBuffer into) throws IOException {
                readFully(ch, offset, into, file.toString());
            }

            @Override
            public long size() throws IOException {
                return ch.size();
            }

            @Override
            public boolean isLocal() {
                return true;
            }

            @Override
            public String describe() {
                return file.toString();
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }
}
