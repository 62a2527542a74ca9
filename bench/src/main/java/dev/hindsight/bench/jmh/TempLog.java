package dev.hindsight.bench.jmh;

import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A file log in a new temporary directory that never fsyncs, deleted on close. Not thread-safe. */
final class TempLog implements AutoCloseable {
    final Path dir;
    final FileEventLog log;

    TempLog() {
        try {
            dir = Files.createTempDirectory(
                    Path.of(System.getProperty("hindsight.bench.dir", System.getProperty("java.io.tmpdir"))),
                    "hindsight-jmh-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log = FileEventLog.open(FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER));
    }

    @Override
    public void close() {
        log.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
