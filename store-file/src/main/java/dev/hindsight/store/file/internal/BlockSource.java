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

    /** Total size in bytes. */
    long size() throws IOException;

    /** Human-readable location, for errors and logs. */
    String describe();

    @Override
    void close() throws IOException;

    /** A local file, read through its channel. */
    static BlockSource of(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        return new BlockSource() {
            @Override
            public byte[] read(long offset, int length) throws IOException {
                byte[] out = new byte[length];
                ByteBuffer b = ByteBuffer.wrap(out);
                long pos = offset;
                while (b.hasRemaining()) {
                    int n = ch.read(b, pos);
                    if (n < 0) {
                        throw new IOException(file + " ends at " + pos + ", before " + (offset + length));
                    }
                    pos += n;
                }
                return out;
            }

            @Override
            public long size() throws IOException {
                return ch.size();
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
