package dev.hindsight.store.file.internal;

import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded local copy of recently read archived segments, in {@code <data-dir>/archive-cache}: the first read of an
 * archived segment goes to the object store (range requests, as before) and starts a background download of the whole
 * object, checked against the manifest's size and MD5 before it is used; later reads of that segment are local file
 * reads, as fast as a hot compressed segment. Least recently used copies are deleted beyond the byte budget. A copy
 * that does not match the manifest is never used (deleted). Thread-safe.
 */
public final class ArchiveCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ArchiveCache.class);

    private final Path dir;
    private final long budget;
    private final ObjectStore store;
    /** Local copies by object key, least recently used first; guarded by {@code this}. */
    private final LinkedHashMap<String, Local> copies = new LinkedHashMap<>(16, 0.75f, true);

    private final Set<String> downloading = ConcurrentHashMap.newKeySet();
    private final ExecutorService downloads = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("hindsight-archive-cache").daemon(true).factory());
    private long used; // guarded by this
    private volatile boolean closed;

    private record Local(Path file, long bytes, BlockSource source) {}

    /**
     * @param budget most bytes of local copies; segments larger than it are never copied
     */
    public ArchiveCache(Path dataDir, long budget, ObjectStore store) throws IOException {
        this.dir = dataDir.resolve("archive-cache");
        this.budget = budget;
        this.store = store;
        Files.createDirectories(dir);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f); // copies from an earlier run: re-fetched (and re-checked) when read again
            }
        }
    }

    /** The source of an archived segment: its local copy once downloaded, else the object store. */
    public BlockSource source(ArchiveManifest.Entry e) {
        BlockSource remote = BlockSource.of(store, e.key(), e.bytes());
        return new BlockSource() {
            @Override
            public byte[] read(long offset, int length) throws IOException {
                BlockSource local = local(e);
                if (local != null) {
                    try {
                        return local.read(offset, length);
                    } catch (IOException evicted) { // closed by an eviction just now: the archive still has it
                        LOG.debug("local copy of {} went away; reading the archive", e.key(), evicted);
                    }
                }
                return remote.read(offset, length);
            }

            @Override
            public long size() {
                return e.bytes();
            }

            @Override
            public String describe() {
                return remote.describe();
            }

            @Override
            public void close() {}
        };
    }

    /** Bytes of local copies now. */
    public synchronized long usedBytes() {
        return used;
    }

    /** Whether a checked local copy of {@code key} is in the cache (tests, diagnostics). */
    public synchronized boolean holds(String key) {
        return copies.containsKey(key);
    }

    private @Nullable BlockSource local(ArchiveManifest.Entry e) {
        synchronized (this) {
            Local l = copies.get(e.key());
            if (l != null) {
                return l.source();
            }
        }
        if (e.bytes() <= budget && !closed && downloading.add(e.key())) {
            try {
                downloads.execute(() -> download(e));
            } catch (RejectedExecutionException closing) {
                downloading.remove(e.key());
            }
        }
        return null;
    }

    private void download(ArchiveManifest.Entry e) {
        Path file = dir.resolve(e.key().replace('/', '_'));
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try {
            byte[] bytes = store.get(e.key());
            if (bytes == null
                    || bytes.length != e.bytes()
                    || !Archiver.md5(bytes).equals(e.md5())) {
                LOG.warn("archived {} does not match the manifest (size or MD5); reads stay remote", e.key());
                return;
            }
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            add(e.key(), new Local(file, bytes.length, BlockSource.of(file)));
        } catch (IOException | RuntimeException ex) {
            LOG.warn("could not copy archived {} to the local cache; reads stay remote", e.key(), ex);
        } finally {
            downloading.remove(e.key());
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private synchronized void add(String key, Local l) {
        if (closed) {
            closeQuietly(l);
            return;
        }
        copies.put(key, l);
        used += l.bytes();
        for (Iterator<Map.Entry<String, Local>> it = copies.entrySet().iterator(); used > budget && it.hasNext(); ) {
            Map.Entry<String, Local> oldest = it.next();
            it.remove();
            used -= oldest.getValue().bytes();
            closeQuietly(oldest.getValue());
        }
    }

    /** Closes and deletes a copy; a reader that took its source just before falls back to the archive. */
    private static void closeQuietly(Local l) {
        try {
            l.source().close();
            Files.deleteIfExists(l.file());
        } catch (IOException e) {
            LOG.debug("removing {}", l.file(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        downloads.shutdownNow();
        synchronized (this) {
            copies.values().forEach(ArchiveCache::closeQuietly);
            copies.clear();
            used = 0;
        }
    }
}
