package dev.hindsight.store.file;

import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.CheckpointStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Checkpoints as small files in a directory beside a file store: one file {@code <url-encoded name>.checkpoint} per
 * consumer holding the position's wire form. A save writes a temporary file, fsyncs it, renames it over the old one
 * and fsyncs the directory, so a crash leaves the old or the new position, never a torn one. Thread-safe (saves of one
 * name are serialised).
 */
public final class FileCheckpointStore implements CheckpointStore {
    private static final String SUFFIX = ".checkpoint";

    private final Path dir;

    private FileCheckpointStore(Path dir) {
        this.dir = dir;
    }

    /** A checkpoint store in {@code dir}, created if missing. */
    public static FileCheckpointStore open(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the checkpoint directory " + dir, e);
        }
        return new FileCheckpointStore(dir);
    }

    @Override
    public Optional<Position> load(String name) {
        Path file = fileOf(name);
        try {
            return Files.exists(file)
                    ? Optional.of(Position.parse(Files.readString(file).strip()))
                    : Optional.empty();
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read checkpoint '" + name + "' from " + file, e);
        }
    }

    @Override
    public synchronized void save(String name, Position position) {
        Path file = fileOf(name);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(position.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot save checkpoint '" + name + "' in " + dir, e);
        }
    }

    @Override
    public Map<String, Position> all() {
        Map<String, Position> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX))
                    .toList()) {
                String file = f.getFileName().toString();
                String name =
                        URLDecoder.decode(file.substring(0, file.length() - SUFFIX.length()), StandardCharsets.UTF_8);
                load(name).ifPresent(p -> out.put(name, p));
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot list checkpoints in " + dir, e);
        }
        return out;
    }

    private Path fileOf(String name) {
        return dir.resolve(URLEncoder.encode(name, StandardCharsets.UTF_8) + SUFFIX);
    }

    @Override
    public void close() {}
}
