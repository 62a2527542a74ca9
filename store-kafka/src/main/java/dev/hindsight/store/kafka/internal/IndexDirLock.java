package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.StoreLockedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a topic's local index directory ({@code <index-dir>/<topic>/lock}), held while a node has it
 * open: two nodes indexing into the same files would corrupt each other's runs, which is easy to do by starting
 * several {@code serve} processes with the same {@code --data-dir}. The operating system drops the lock when the
 * process dies. Thread-safe.
 */
public final class IndexDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private IndexDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if missing).
     *
     * @throws StoreLockedException if another node (in this or another process) holds it
     * @throws IOException if the lock file cannot be opened
     */
    public static IndexDirLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel =
                FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new StoreLockedException("the Kafka index directory " + dir + " is in use by another node; give each"
                    + " process its own --data-dir");
        }
        return new IndexDirLock(channel, lock);
    }

    @Override
    public void close() {
        try (channel) {
            lock.release();
        } catch (IOException e) {
            // the channel's close releases the lock anyway
        }
    }
}
