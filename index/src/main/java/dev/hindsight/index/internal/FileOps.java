package dev.hindsight.index.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Durable file operations shared by the index files. Stateless, thread-safe. */
public final class FileOps {
    private FileOps() {}

    /** Forces a directory's entries (a rename or a new file) to stable storage. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Writes {@code bytes} to {@code file} atomically: a temp file, forced, renamed over it, directory forced. */
    public static void writeAtomically(Path file, ByteBuffer bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            writeFully(ch, bytes, 0);
            ch.force(true);
        }
        moveDurably(tmp, file);
    }

    /** Renames {@code from} over {@code to} atomically and forces the directory. */
    public static void moveDurably(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(to.toAbsolutePath().getParent());
    }

    public static void writeFully(FileChannel ch, ByteBuffer src, long at) throws IOException {
        long pos = at;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }
}
