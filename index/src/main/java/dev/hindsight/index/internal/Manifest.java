package dev.hindsight.index.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The list of live runs of one index, replaced atomically (temp file, fsync, rename, directory fsync) after every
 * flush and merge. Format: magic {@code HSMAN001}, int format 1, int run count, per run (int level, long from, long
 * to, long count), then the CRC32C of all preceding bytes. Stateless, thread-safe.
 */
public final class Manifest {
    private static final long MAGIC = 0x48534D414E303031L; // "HSMAN001"

    /** One live run as the manifest lists it. */
    public record Entry(int level, long from, long to, long count) {
        /** The run's file name for index {@code name}. */
        public String fileName(String name) {
            return name + "-" + level + "-" + from + "-" + to + ".run";
        }
    }

    private Manifest() {}

    public static void write(Path file, List<Entry> runs) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + 28 * runs.size() + 4);
        b.putLong(MAGIC).putInt(1).putInt(runs.size());
        for (Entry e : runs) {
            b.putInt(e.level()).putLong(e.from()).putLong(e.to()).putLong(e.count());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        FileOps.writeAtomically(file, b);
    }

    /** The runs listed in {@code file}, or {@code null} if it is missing or fails its checks. */
    public static @Nullable List<Entry> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 20) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int n = b.getInt(12);
        if (b.getLong(0) != MAGIC || b.getInt(8) != 1 || n < 0 || bytes.length != 16 + 28L * n + 4) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
            return null;
        }
        List<Entry> runs = new ArrayList<>(n);
        b.position(16);
        for (int i = 0; i < n; i++) {
            runs.add(new Entry(b.getInt(), b.getLong(), b.getLong(), b.getLong()));
        }
        return runs;
    }
}
