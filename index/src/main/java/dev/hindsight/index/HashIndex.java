package dev.hindsight.index;

import dev.hindsight.index.internal.FileOps;
import dev.hindsight.index.internal.Manifest;
import dev.hindsight.index.internal.PairSort;
import dev.hindsight.index.internal.RunFile;
import dev.hindsight.index.internal.RunWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A log-structured merge index of hashed keys: a multimap from a 64-bit key (a hash) to 64-bit values (positions),
 * stored as immutable sorted run files, each covering a contiguous range of positions {@code [from, to]}, listed in
 * order by a manifest ({@code <name>.manifest}). The owner keeps the newest entries in memory and adds them as a run
 * with {@link #addRun}; runs of one level are merged {@code fanIn} at a time into one run of the next level, so there
 * are O(fanIn · log n) runs. Opening reads the manifest and each run's header: constant work per run.
 *
 * <p>A hash is not the key: the owner must verify every value found against its log; a run never loses a value, so
 * an intact index never misses one (bloom filters have no false negatives). Crash safety: a run is written to a temp
 * file, forced and renamed before the manifest names it; the manifest is replaced atomically; files of runs a merge
 * replaced are deleted only after the new manifest is durable. On open, temp files and runs the manifest does not
 * name are deleted, and the runs from the first missing or damaged one on are dropped (the owner rebuilds what
 * {@link View#coveredTo()} no longer covers from its log). A page found damaged by a lookup makes the lookup throw
 * {@link IndexCorruptionException} and renames the run's file aside, so the next open rebuilds it.
 *
 * <p>An index may keep only the high {@code keyBits} bits of each key ({@link #open(Path, String, int, boolean, int)}):
 * sorted runs of shorter keys pack into fewer bytes (format 3 of {@code RunFile}), at the price of more collisions,
 * which the owner's verification absorbs. Keys given to it are truncated on the way in and on lookups. An index whose
 * runs were written with another key width (an earlier build's 64 bits) keeps that width: no rebuild on upgrade.
 *
 * <p>Thread-safety: thread-safe. Lookups go through an immutable {@link View} and never lock; {@link #addRun} calls
 * must come from one thread at a time (they must be contiguous anyway); merges run on a background thread.
 */
public final class HashIndex implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HashIndex.class.getName());

    private final Path dir;
    private final String name;
    private final int fanIn;
    private final int keyBits;
    private final long keyMask;
    private final Object manifestLock = new Object();
    private final @Nullable ExecutorService merger;
    private volatile View view;
    private volatile boolean closing;

    private HashIndex(Path dir, String name, int fanIn, boolean backgroundMerges, int keyBits, List<RunFile> runs) {
        this.dir = dir;
        this.name = name;
        this.fanIn = fanIn;
        this.keyBits = keyBits;
        this.keyMask = keyBits == 64 ? -1L : -1L << (64 - keyBits);
        this.view = new View(this, runs);
        this.merger = backgroundMerges
                ? Executors.newSingleThreadExecutor(Thread.ofPlatform()
                        .name("hindsight-index-merge-" + name)
                        .daemon(true)
                        .factory())
                : null;
    }

    /**
     * Opens (creating if needed) index {@code name} in {@code dir}, dropping what fails its checks.
     *
     * @param fanIn runs of one level merged into one of the next (≥ 2)
     * @param backgroundMerges merge on a background thread after each {@link #addRun}; else only {@link #mergeOnce}
     */
    public static HashIndex open(Path dir, String name, int fanIn, boolean backgroundMerges) throws IOException {
        return open(dir, name, fanIn, backgroundMerges, 64);
    }

    /**
     * Opens (creating if needed) index {@code name} in {@code dir} keeping the high {@code keyBits} bits of every key;
     * an existing index keeps the width its runs were written with ({@link #keyBits()}).
     *
     * @param fanIn runs of one level merged into one of the next (≥ 2)
     * @param backgroundMerges merge on a background thread after each {@link #addRun}; else only {@link #mergeOnce}
     * @param keyBits significant bits of a key, 1–64
     */
    public static HashIndex open(Path dir, String name, int fanIn, boolean backgroundMerges, int keyBits)
            throws IOException {
        if (fanIn < 2) {
            throw new IllegalArgumentException("fanIn must be >= 2");
        }
        if (keyBits < 1 || keyBits > 64) {
            throw new IllegalArgumentException("keyBits must be 1..64, was " + keyBits);
        }
        Files.createDirectories(dir);
        Path manifest = dir.resolve(name + ".manifest");
        List<Manifest.Entry> listed = Manifest.read(manifest);
        if (listed == null && Files.exists(manifest)) {
            LOG.log(System.Logger.Level.WARNING, "index manifest {0} is damaged; rebuilding the index", manifest);
        }
        List<RunFile> runs = new ArrayList<>();
        for (Manifest.Entry e : listed == null ? List.<Manifest.Entry>of() : listed) {
            RunFile r = openListed(
                    dir.resolve(e.fileName(name)),
                    e,
                    runs.isEmpty() ? e.from() : runs.getLast().to() + 1);
            if (r == null) {
                break;
            }
            runs.add(r);
        }
        // An index keeps the key width it was written with: an index of an earlier build (64-bit keys) stays as it is,
        // since dropping it would make the owner rebuild it from its whole history (every segment, archived ones
        // fetched back) at the first open after an upgrade. Only new indexes get the requested width.
        int width = runs.isEmpty() ? keyBits : runs.getFirst().keyBits();
        if (runs.stream().anyMatch(r -> r.keyBits() != width)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "index {0} has runs of different key widths (damaged); rebuilding it",
                    dir.resolve(name));
            runs.clear();
        } else if (width != keyBits) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "index {0} keeps the {1}-bit keys it was written with (new indexes use {2})",
                    dir.resolve(name),
                    width,
                    keyBits);
        }
        if (listed == null || runs.size() != listed.size()) {
            Manifest.write(manifest, entries(runs));
        }
        deleteOthers(dir, name, runs);
        return new HashIndex(dir, name, fanIn, backgroundMerges, runs.isEmpty() ? keyBits : width, runs);
    }

    private static @Nullable RunFile openListed(Path path, Manifest.Entry e, long expectedFrom) throws IOException {
        try {
            RunFile r = RunFile.open(path);
            if (r.level() == e.level()
                    && r.from() == e.from()
                    && r.to() == e.to()
                    && r.count() == e.count()
                    && e.from() == expectedFrom) {
                return r;
            }
            LOG.log(System.Logger.Level.WARNING, "index run {0} does not match its manifest; rebuilding it", path);
        } catch (NoSuchFileException ex) {
            LOG.log(System.Logger.Level.WARNING, "index run {0} is missing; rebuilding it", path);
        } catch (IndexCorruptionException ex) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "index run {0} is damaged ({1}); rebuilding it",
                    path,
                    ex.getMessage());
        }
        return null;
    }

    /** Deletes temp files, quarantined files and runs of {@code name} that the manifest does not name. */
    private static void deleteOthers(Path dir, String name, List<RunFile> live) throws IOException {
        Set<Path> keep = new HashSet<>();
        for (RunFile r : live) {
            keep.add(r.path().getFileName());
        }
        List<Path> doomed;
        try (Stream<Path> s = Files.list(dir)) {
            doomed = s.filter(p -> {
                        String f = p.getFileName().toString();
                        return f.startsWith(name + "-") && !keep.contains(p.getFileName())
                                || f.startsWith(name + ".") && f.endsWith(".tmp");
                    })
                    .toList();
        }
        for (Path p : doomed) {
            Files.deleteIfExists(p);
        }
    }

    private static List<Manifest.Entry> entries(List<RunFile> runs) {
        return runs.stream()
                .map(r -> new Manifest.Entry(r.level(), r.from(), r.to(), r.count()))
                .toList();
    }

    /** Significant high bits of a key in this index (64: the whole key). */
    public int keyBits() {
        return keyBits;
    }

    /** The current runs; a consistent snapshot for lookups. */
    public View view() {
        return view;
    }

    /**
     * Adds the pairs {@code keys[i] → values[i]} ({@code i < n}) as a new level-0 run covering {@code [from, to]},
     * which must follow the last run's range. The arrays are sorted in place. Durable when it returns.
     */
    public void addRun(long[] keys, long[] values, int n, long from, long to) throws IOException {
        View v = view;
        if (!v.runs.isEmpty() && from != v.coveredTo() + 1) {
            throw new IllegalArgumentException("run [" + from + ", " + to + "] does not follow " + v.coveredTo());
        }
        if (keyBits < 64) {
            for (int i = 0; i < n; i++) {
                keys[i] &= keyMask;
            }
        }
        PairSort.sortByKey(keys, values, n);
        long distinct = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || keys[i] != keys[i - 1]) {
                distinct++;
            }
        }
        Manifest.Entry e = new Manifest.Entry(0, from, to, n);
        RunFile run = write(e, distinct, (w) -> {
            for (int i = 0; i < n; i++) {
                w.add(keys[i], values[i]);
            }
        });
        synchronized (manifestLock) {
            List<RunFile> runs = new ArrayList<>(view.runs);
            runs.add(run);
            publish(runs);
        }
        ExecutorService m = merger;
        if (m != null && !closing) {
            m.execute(this::mergeAll);
        }
    }

    /** Writes the pairs of a new run (sorted) to its writer. */
    private interface Filler {
        void fill(RunWriter w) throws IOException;
    }

    /** Writes a run of {@code e.count()} pairs with at most {@code keys} distinct keys (sizes its bloom filter). */
    private RunFile write(Manifest.Entry e, long keys, Filler filler) throws IOException {
        Path file = dir.resolve(e.fileName(name));
        Path tmp = dir.resolve(e.fileName(name) + ".tmp");
        try (RunWriter w = new RunWriter(tmp, e.level(), e.count(), keys, e.from(), e.to(), keyBits)) {
            filler.fill(w);
            w.finish();
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        FileOps.moveDurably(tmp, file);
        return RunFile.open(file);
    }

    /** Writes the manifest for {@code runs}, then makes them the view. Caller holds the manifest lock. */
    private void publish(List<RunFile> runs) throws IOException {
        Manifest.write(dir.resolve(name + ".manifest"), entries(runs));
        view = new View(this, List.copyOf(runs));
    }

    private void mergeAll() {
        try {
            while (!closing && mergeOnce()) {
                // merge until no level holds fanIn runs
            }
        } catch (IOException | RuntimeException e) {
            // derived data: an unmerged index is only slower
            LOG.log(System.Logger.Level.WARNING, "index merge failed for " + dir.resolve(name), e);
        }
    }

    /**
     * Merges the lowest-level window of {@code fanIn} adjacent runs of one level into one run of the next level, if
     * there is one; new runs may be added meanwhile. Only one merge runs at a time.
     *
     * @return whether a merge was done
     */
    public synchronized boolean mergeOnce() throws IOException {
        List<RunFile> runs = view.runs;
        int at = window(runs);
        if (at < 0) {
            return false;
        }
        List<RunFile> group = runs.subList(at, at + fanIn);
        long count = 0;
        long keys = 0; // an upper bound: runs may share keys
        for (RunFile r : group) {
            count += r.count();
            keys += r.keys();
        }
        Manifest.Entry e = new Manifest.Entry(
                group.getFirst().level() + 1,
                group.getFirst().from(),
                group.getLast().to(),
                count);
        RunFile merged = write(e, Math.min(keys, count), w -> mergeInto(group, w));
        synchronized (manifestLock) {
            List<RunFile> now = new ArrayList<>(view.runs);
            int i = now.indexOf(group.getFirst());
            if (i < 0) { // cleared meanwhile
                Files.deleteIfExists(merged.path());
                return false;
            }
            for (int k = 0; k < fanIn; k++) {
                now.remove(i);
            }
            now.add(i, merged);
            publish(now);
        }
        for (RunFile r : group) {
            Files.deleteIfExists(r.path()); // readers still holding the old view keep their mapping
        }
        return true;
    }

    private int window(List<RunFile> runs) {
        int best = -1;
        for (int i = 0; i + fanIn <= runs.size(); i++) {
            boolean same = true;
            for (int k = 1; k < fanIn && same; k++) {
                same = runs.get(i + k).level() == runs.get(i).level();
            }
            if (same && (best < 0 || runs.get(i).level() < runs.get(best).level())) {
                best = i;
            }
        }
        return best;
    }

    private void mergeInto(List<RunFile> group, RunWriter w) throws IOException {
        List<RunFile.Cursor> at = new ArrayList<>(group.size());
        for (RunFile r : group) {
            RunFile.Cursor c = r.cursor();
            if (c.next()) {
                at.add(c);
            }
        }
        long n = 0;
        while (!at.isEmpty()) {
            int min = 0;
            for (int k = 1; k < at.size(); k++) {
                if (less(at.get(k), at.get(min))) {
                    min = k;
                }
            }
            RunFile.Cursor c = at.get(min);
            w.add(c.key(), c.value());
            if (!c.next()) {
                at.remove(min);
            }
            if ((++n & 0xFFFF) == 0 && closing) {
                throw new IOException("closing");
            }
        }
    }

    private static boolean less(RunFile.Cursor a, RunFile.Cursor b) {
        int c = Long.compareUnsigned(a.key(), b.key());
        return c < 0 || (c == 0 && a.value() < b.value());
    }

    /** Drops every run (the owner found the index does not match its log and rebuilds it). */
    public void clear() throws IOException {
        synchronized (manifestLock) {
            List<RunFile> old = view.runs;
            publish(List.of());
            for (RunFile r : old) {
                Files.deleteIfExists(r.path());
            }
        }
    }

    /** Renames a damaged run aside so that the next open rebuilds what it covered. */
    void quarantine(Path file) {
        try {
            Files.move(file, file.resolveSibling(file.getFileName() + ".damaged"));
            LOG.log(System.Logger.Level.ERROR, "index run {0} is damaged; it is rebuilt on the next open", file);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "could not set damaged index run " + file + " aside", e);
        }
    }

    /** Waits for a running merge (which stops early) and stops the merge thread. */
    @Override
    public void close() {
        closing = true;
        ExecutorService m = merger;
        if (m != null) {
            m.shutdown();
            try {
                m.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** An immutable snapshot of the runs, oldest first. Thread-safe. */
    public static final class View {
        private final HashIndex owner;
        private final List<RunFile> runs;

        View(HashIndex owner, List<RunFile> runs) {
            this.owner = owner;
            this.runs = runs;
        }

        /** Last position the runs cover (0 if none). */
        public long coveredTo() {
            return runs.isEmpty() ? 0 : runs.getLast().to();
        }

        /** First position the runs cover (0 if none). */
        public long coveredFrom() {
            return runs.isEmpty() ? 0 : runs.getFirst().from();
        }

        public int runCount() {
            return runs.size();
        }

        /** Entries in the runs (a key with several values counts once per value). */
        public long entries() {
            long n = 0;
            for (RunFile r : runs) {
                n += r.count();
            }
            return n;
        }

        /** Levels of the runs, oldest first (for tests and diagnostics). */
        public List<Integer> levels() {
            return runs.stream().map(RunFile::level).toList();
        }

        /**
         * Visits the values of {@code key}, newest run first and descending within a run, until {@code visitor}
         * returns false.
         *
         * @throws IndexCorruptionException if a page it touches is damaged
         */
        public void forEachNewestFirst(long key, LongPredicate visitor) {
            long k = key & owner.keyMask;
            for (int i = runs.size() - 1; i >= 0; i--) {
                if (!visit(runs.get(i), k, false, visitor)) {
                    return;
                }
            }
        }

        /** Visits the values of {@code key} in ascending order (oldest run first) until the visitor returns false. */
        public void forEachOldestFirst(long key, LongPredicate visitor) {
            long k = key & owner.keyMask;
            for (RunFile r : runs) {
                if (!visit(r, k, true, visitor)) {
                    return;
                }
            }
        }

        private boolean visit(RunFile r, long key, boolean ascending, LongPredicate visitor) {
            try {
                return r.forEach(key, ascending, visitor);
            } catch (IndexCorruptionException e) {
                owner.quarantine(e.file());
                throw e;
            }
        }
    }
}
