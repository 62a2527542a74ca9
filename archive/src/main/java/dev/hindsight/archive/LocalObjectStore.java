package dev.hindsight.archive;

import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A directory used as an object store ({@code file:///mnt/archive}): for a mounted network share, or to try the
 * archive without S3. Objects are written to a temporary name, fsynced and renamed. Thread-safe.
 */
public final class LocalObjectStore implements ObjectStore {
    private final Path root;

    public LocalObjectStore(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    private Path path(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("key " + key + " leaves " + root);
        }
        return p;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
        finish(tmp, target);
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        Files.write(tmp, bytes);
        finish(tmp, target);
    }

    private static void finish(Path tmp, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        byte[] out = new byte[length];
        try (FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(out);
            long pos = offset;
            while (b.hasRemaining()) {
                if (ch.read(b, pos) < 0) {
                    throw new IOException(path(key) + " ends before " + (offset + length));
                }
                pos = offset + b.position();
            }
        }
        return out;
    }

    @Override
    public void get(String key, long offset, ByteBuffer into) throws IOException {
        int length = into.remaining();
        try (FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ)) {
            long pos = offset;
            while (into.hasRemaining()) {
                int n = ch.read(into, pos);
                if (n < 0) {
                    throw new IOException(path(key) + " ends before " + (offset + length));
                }
                pos += n;
            }
        }
    }

    @Override
    public byte @Nullable [] get(String key) throws IOException {
        try {
            return Files.readAllBytes(path(key));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public @Nullable ObjectInfo head(String key) throws IOException {
        Path p = path(key);
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), MessageDigest.getInstance("MD5"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            byte[] md5 = ((DigestInputStream) in).getMessageDigest().digest();
            return new ObjectInfo(Files.size(p), HexFormat.of().formatHex(md5));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(k -> k.startsWith(prefix) && !k.endsWith(".part"))
                    .sorted()
                    .toList();
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(path(key));
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }

    @Override
    public void close() {}
}
