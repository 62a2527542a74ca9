package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Fetches blocks of archived objects for {@link ArchivedEvents}: adjacent blocks in one ranged GET, each checked
 * ({@link ArchiveSegmentReader#block}: block CRC, decompressed length, every record's CRC) before it is decoded into
 * the {@link BlockCache}. Thread-safe.
 */
final class BlockFetcher {
    private final BlockCache cache;
    private volatile @Nullable ObjectStore store;

    BlockFetcher(BlockCache cache) {
        this.cache = cache;
    }

    void attach(@Nullable ObjectStore store) {
        this.store = store;
    }

    @Nullable
    ObjectStore store() {
        return store;
    }

    /** Runs {@code tasks}, concurrently when there are several; the first failure is rethrown. */
    static void runAll(List<Runnable> tasks) {
        if (tasks.size() == 1) {
            tasks.getFirst().run();
            return;
        }
        if (tasks.isEmpty()) {
            return;
        }
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (Runnable t : tasks) {
                pool.execute(() -> {
                    try {
                        t.run();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                });
            }
        }
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }

    /**
     * Fetches blocks {@code [from, to)} of {@code s} in one ranged GET (they are adjacent in the object), checks and
     * decodes each, and caches them.
     *
     * @return the decoded blocks, in order
     */
    List<List<RecordedEvent>> fetch(BlockCache.Segment s, int from, int to) {
        ObjectStore st = store;
        String key = s.row().key();
        if (st == null) {
            throw new StoreUnavailableException("the events asked for are archived (" + key + ") and no archive is"
                    + " configured; open the store with its archive (serve --archive-url) to read them");
        }
        ArchiveSegmentReader.Table t = s.table();
        if (from < 0 || to > t.blocks() || from >= to) {
            throw new CorruptionException("archived segment " + key + " has " + t.blocks() + " blocks, not blocks "
                    + from + ".." + (to - 1) + " (the archive index does not match it)");
        }
        long offset = t.fileOffset()[from];
        long end = t.fileOffset()[to - 1] + t.length()[to - 1];
        if (offset < ArchiveSegmentWriter.HEADER_BYTES || end > s.row().tableOffset() || end < offset) {
            throw new CorruptionException("archived segment " + key + ": blocks " + from + ".." + (to - 1)
                    + " lie outside the object's blocks");
        }
        byte[] bytes;
        try {
            bytes = st.get(key, offset, Math.toIntExact(end - offset));
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read " + st.describe() + key + " (" + e.getMessage() + ")", e);
        }
        if (bytes.length != end - offset) {
            throw new CorruptionException("archived segment " + key + ": " + bytes.length + " bytes where blocks "
                    + from + ".." + (to - 1) + " should hold " + (end - offset));
        }
        List<List<RecordedEvent>> out = new ArrayList<>(to - from);
        for (int b = from; b < to; b++) {
            int at = (int) (t.fileOffset()[b] - offset);
            if (at < 0 || at + t.length()[b] > bytes.length) {
                throw new CorruptionException("archived segment " + key + ": block " + b + " out of bounds");
            }
            List<RecordedEvent> events;
            try {
                events = ArchiveSegmentReader.block(
                        t,
                        b,
                        java.util.Arrays.copyOfRange(bytes, at, at + t.length()[b]),
                        s.row().extent(),
                        key);
            } catch (IllegalArgumentException e) {
                throw new CorruptionException(e.getMessage() + " (read through the archive index; the object in "
                        + st.describe() + " is damaged)");
            }
            cache.putBlock(key, b, events);
            out.add(events);
        }
        return out;
    }
}
