package dev.hindsight.store.file.internal;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.index.HashIndex;
import dev.hindsight.index.IndexCorruptionException;
import dev.hindsight.index.KeyHash;
import dev.hindsight.index.OffsetFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongBinaryOperator;
import java.util.function.LongPredicate;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file log's indexes, on disk behind small in-memory parts (ADR 0008): event-id hash → position and aggregate-id
 * hash → positions are {@link HashIndex} LSMs in {@code <dir>/index/} ({@code ids}, {@code aggregates}) plus one
 * exact {@link Memtable} for the newest positions and one per frozen stretch not yet flushed; position → offset is
 * each segment's array or {@link OffsetFile}. Every hit in a run is verified against the record it points to, so a
 * hash collision costs a read, never a wrong answer. At a roll the writer freezes the active memtable and the
 * {@code hindsight-index-flush} thread writes the segment's offset file and both runs, then drops the memtable. The
 * writer also freezes it mid-segment once it holds {@code memtableEvents} events (a spill): the flusher forces the
 * segment and writes runs that end inside it, so the heap held by memtables is bounded by configuration, not by how
 * full the active segment is (ADR 0020).
 *
 * <p>Thread-safety: lookups for readers ({@link #aggregateVersion}, {@link #candidates}) are thread-safe and never
 * lock; they read the memtables ({@code mem}, volatile) before the runs, and the flusher publishes a run before it
 * drops the memtable, so no entry is ever missed (one may be seen twice, and is skipped by its position). The
 * writer-side methods ({@link #eventPosition}, {@link #currentVersion}, {@link #entryFor}, {@link #roll}) belong to
 * the writer thread (before it starts, to recovery); the version cache is the writer's alone.
 */
public final class Indexes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Indexes.class);
    static final String DIR = "index";
    private static final int FAN_IN = 4;
    /**
     * Bits kept of a key's hash in the id and aggregate runs (ADR 0008): a sorted run of 40-bit hashes packs into ~3
     * bytes per key instead of ~7, and a lookup still expects few false hits (n / 2^40: 0.002 at the seed's 2.6
     * billion events in seven years). Every hit is checked against the record, so a false hit costs a read, never a
     * wrong answer. Runs of another width (64 bits: earlier builds) are rebuilt from the log on open. Replaced only
     * by tests (that write a store as earlier builds did, then restore it).
     */
    static volatile int keyBits = 40;

    /** An aggregate's version and last event time ({@code null} when it has no events). */
    record Version(long version, @Nullable Instant lastTimestamp) {
        static final Version NONE = new Version(0, null);
    }

    /** The memtables: the active one and the frozen ones (oldest first) whose runs are not written yet. */
    private record Mem(Memtable active, List<Memtable> frozen) {}

    /** Hash of aggregate ids; replaced only by tests that force collisions (then restored). */
    static volatile ToLongFunction<String> aggregateHash = KeyHash::of;
    /** Hash of event ids (the two halves); replaced only by tests that force collisions (then restored). */
    static volatile LongBinaryOperator idHash = KeyHash::of;

    private final Path dir;
    private final LogState state;
    final HashIndex ids;
    final HashIndex aggregates;
    private volatile @Nullable Mem mem;
    private final Map<String, Version> cache;
    private volatile java.util.function.Consumer<LogFile> onSealed = s -> {};
    private final int memtableEvents;
    private final ExecutorService flusher = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("hindsight-index-flush").daemon(true).factory());

    private Indexes(
            Path dir, LogState state, HashIndex ids, HashIndex aggregates, int cacheEntries, int memtableEvents) {
        this.dir = dir;
        this.memtableEvents = memtableEvents;
        this.state = state;
        this.ids = ids;
        this.aggregates = aggregates;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Version> eldest) {
                return size() > cacheEntries;
            }
        };
    }

    /** Opens the on-disk indexes of {@code dir}; merges run in the background. */
    static Indexes open(Path dir, LogState state, int cacheEntries, int memtableEvents) throws IOException {
        HashIndex ids = HashIndex.open(dir, "ids", FAN_IN, true, keyBits);
        HashIndex aggregates = HashIndex.open(dir, "aggregates", FAN_IN, true, keyBits);
        return new Indexes(dir, state, ids, aggregates, cacheEntries, memtableEvents);
    }

    Path dir() {
        return dir;
    }

    Path offsetFile(LogFile s) {
        return dir.resolve(String.format("%020d.idx", s.basePosition()));
    }

    /** Position up to which both run sets cover the log. */
    long coveredTo() {
        return Math.min(ids.view().coveredTo(), aggregates.view().coveredTo());
    }

    Memtable active() {
        return mem().active();
    }

    private Mem mem() {
        Mem m = mem;
        if (m == null) {
            throw new IllegalStateException("no active segment");
        }
        return m;
    }

    /** Makes a fresh memtable for {@code s} from position {@code base} the active one (recovery). */
    void startActive(LogFile s, long base) {
        Mem m = mem;
        mem = new Mem(new Memtable(s, base), m == null ? List.of() : m.frozen());
    }

    /** Any thread: events held by the memtables (active and frozen), a moment's estimate. */
    long memtableEvents() {
        Mem m = mem;
        if (m == null) {
            return 0;
        }
        long n = m.active().ids.size();
        for (Memtable f : m.frozen()) {
            n += f.ids.size();
        }
        return n;
    }

    /** Waits until the flusher has written every memtable frozen so far. */
    void awaitFlushed() throws InterruptedException {
        try {
            flusher.submit(() -> {}).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Called on the flusher thread each time a sealed segment's offset file and index runs are durable. */
    void onSealed(java.util.function.Consumer<LogFile> listener) {
        onSealed = listener;
    }

    /** Writer, at a roll to {@code next}: freezes the active memtable and has the flusher write it. */
    void roll(Segment next) {
        synchronized (this) {
            Mem m = mem();
            List<Memtable> frozen = new ArrayList<>(m.frozen());
            m.active().to = next.basePosition() - 1;
            m.active().seals = true;
            frozen.add(m.active());
            mem = new Mem(new Memtable(next, next.basePosition()), List.copyOf(frozen));
        }
        flusher.execute(this::flushFrozen);
    }

    /**
     * Writer, after publishing up to {@code last}: if the active memtable holds {@code memtableEvents} events or more,
     * freezes it (covering up to {@code last}) and has the flusher write its runs; a new memtable of the same segment
     * takes the positions after {@code last}.
     */
    void spillIfFull(long last) {
        Mem m = mem();
        Memtable a = m.active();
        if (a.ids.size() < memtableEvents || last < a.base()) {
            return;
        }
        synchronized (this) {
            List<Memtable> frozen = new ArrayList<>(m.frozen());
            a.to = last;
            frozen.add(a);
            mem = new Mem(new Memtable(a.segment, last + 1), List.copyOf(frozen));
        }
        flusher.execute(this::flushFrozen);
    }

    /** Flusher: writes every frozen memtable, oldest first; a failure leaves it (and later ones) for the next roll. */
    private void flushFrozen() {
        List<Memtable> frozen = mem().frozen();
        for (Memtable m : frozen) {
            try {
                if (!m.seals && m.segment instanceof Segment active) {
                    active.force(); // runs never name positions a crash could take back (fsync interval or never)
                }
                flush(m, m.to, m.seals);
            } catch (IOException | RuntimeException e) {
                // derived data: the memtable stays in memory (and is rebuilt by a scan after a restart)
                LOG.warn("could not write the index of {}; retrying at the next roll", m.segment.path(), e);
                return;
            }
            synchronized (this) {
                Mem now = mem();
                List<Memtable> rest = new ArrayList<>(now.frozen());
                rest.remove(m);
                mem = new Mem(now.active(), List.copyOf(rest));
            }
            if (m.seals) {
                onSealed.accept(m.segment);
            }
        }
    }

    /**
     * Writes the runs for {@code m}'s positions up to {@code to} that the indexes do not have yet and, if {@code seal}
     * ({@code to} is its segment's last position), the segment's offset file. Durable when it returns. A memtable
     * holds entries only for positions after what each index covered when it was filled (recovery may resume the two
     * indexes at different positions), so each run starts where its index ends.
     */
    void flush(Memtable m, long to, boolean seal) throws IOException {
        LogFile seg = m.segment;
        if (seal) {
            int count = Math.toIntExact(to - seg.basePosition() + 1);
            if (seg.offsetsArray().length > 0 && seg.offsetCount() >= count) {
                long base = seg.basePosition();
                OffsetFile.write(offsetFile(seg), base, seg.offsetsArray(), count);
                OffsetFile f = OffsetFile.open(offsetFile(seg), base, count);
                if (f == null) {
                    throw new IOException("offset file " + offsetFile(seg) + " reads back wrong");
                }
                seg.seal(f);
            }
        }
        if (to < m.base()) {
            return; // a sealed segment both indexes covered (recovery rebuilt only its offsets)
        }
        int n = Math.toIntExact(to - m.base() + 1);
        long[] keys = new long[n];
        long[] values = new long[n];
        if (aggregates.view().coveredTo() < to) {
            int[] k = {0};
            m.aggregates.forEach((id, e) -> {
                long h = aggregateHash.applyAsLong(id);
                for (int i = 0; i < e.count(); i++) {
                    keys[k[0]] = h;
                    values[k[0]++] = e.at(i);
                }
            });
            aggregates.addRun(
                    keys, values, k[0], Math.max(m.base(), aggregates.view().coveredTo() + 1), to);
        }
        if (ids.view().coveredTo() < to) {
            int[] k = {0};
            m.ids.forEach((msb, lsb, p) -> {
                keys[k[0]] = idHash.applyAsLong(msb, lsb);
                values[k[0]++] = p;
            });
            ids.addRun(keys, values, k[0], Math.max(m.base(), ids.view().coveredTo() + 1), to);
        }
    }

    /** Writer: the position of event {@code id} (published), or 0. */
    long eventPosition(UUID id) {
        Mem m = mem();
        long p = m.active().ids.get(id);
        for (int i = m.frozen().size() - 1; p == 0 && i >= 0; i--) {
            p = m.frozen().get(i).ids.get(id);
        }
        if (p != 0) {
            return p;
        }
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        long[] found = {0};
        guard(() -> ids.view().forEachNewestFirst(idHash.applyAsLong(msb, lsb), q -> {
            if (state.hasEventId(q, msb, lsb)) {
                found[0] = q;
                return false;
            }
            return true;
        }));
        return found[0];
    }

    /** Writer (or recovery): the current version of {@code aggregateId}, through the bounded cache. */
    Version currentVersion(String aggregateId) {
        Version v = inMemtables(mem(), aggregateId);
        if (v != null) {
            return v;
        }
        v = cache.get(aggregateId);
        if (v == null) {
            v = lastInRuns(aggregateId);
            if (v.version() > 0) {
                // An absent aggregate is not cached: it is usually about to be created, and entryFor would evict it
                // again at once (a put and a remove per new aggregate); asking the runs again is a bloom-filter probe.
                cache.put(aggregateId, v);
            }
        }
        return v;
    }

    /** Any thread: the current version of {@code aggregateId}. */
    long aggregateVersion(String aggregateId) {
        Version v = inMemtables(mem(), aggregateId);
        return (v != null ? v : lastInRuns(aggregateId)).version();
    }

    /**
     * Writer (or recovery): the active memtable's entry for {@code aggregateId}, created at {@code baseVersion}; a new
     * entry evicts the cached version (from then on the memtables answer, and after a flush the runs).
     */
    AggregateIndex.Entry entryFor(String aggregateId, long baseVersion) {
        AggregateIndex a = mem().active().aggregates;
        AggregateIndex.Entry e = a.get(aggregateId);
        if (e == null) {
            cache.remove(aggregateId);
            e = a.getOrCreate(aggregateId, baseVersion);
        }
        return e;
    }

    private static @Nullable Version inMemtables(Mem m, String aggregateId) {
        AggregateIndex.Entry e = m.active().aggregates.get(aggregateId);
        for (int i = m.frozen().size() - 1; e == null && i >= 0; i--) {
            e = m.frozen().get(i).aggregates.get(aggregateId);
        }
        return e == null ? null : new Version(e.version(), e.lastTimestamp);
    }

    private Version lastInRuns(String aggregateId) {
        byte[] id = aggregateId.getBytes(StandardCharsets.UTF_8);
        Version[] found = {Version.NONE};
        guard(() -> aggregates.view().forEachNewestFirst(aggregateHash.applyAsLong(aggregateId), p -> {
            if (state.hasAggregateId(p, id)) {
                found[0] = new Version(state.versionAt(p), state.timestampAt(p));
                return false;
            }
            return true;
        }));
        return found[0];
    }

    /**
     * Any thread: the positions that may hold events of {@code aggregateId}, ascending: every one of its events, plus
     * (rarely) events of aggregates whose id hash collides with it. Callers verify what they read.
     */
    long[] candidates(String aggregateId) {
        Mem m = mem();
        HashIndex.View runs = aggregates.view(); // after the memtables: see the class comment
        LongList out = new LongList();
        guard(() -> runs.forEachOldestFirst(aggregateHash.applyAsLong(aggregateId), out));
        long covered = runs.coveredTo();
        for (Memtable f : m.frozen()) {
            if (f.base() > covered) {
                out.addAll(f.aggregates.get(aggregateId));
            }
        }
        out.addAll(m.active().aggregates.get(aggregateId));
        return out.toArray();
    }

    private static void guard(Runnable lookup) {
        try {
            lookup.run();
        } catch (IndexCorruptionException e) {
            throw new CorruptionException(
                    "index file " + e.file() + " is damaged (" + e.getMessage()
                            + "); it was set aside and is rebuilt from the log on the next open",
                    e);
        }
    }

    /** A growable list of longs that collects visited values. Not thread-safe. */
    private static final class LongList implements LongPredicate {
        private long[] a = new long[16];
        private int n;

        @Override
        public boolean test(long value) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = value;
            return true;
        }

        void addAll(AggregateIndex.@Nullable Entry e) {
            if (e != null) {
                for (long p : e.positions()) {
                    test(p);
                }
            }
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }

    /** Waits for the flusher (pending memtables are rebuilt by the next open's scan if it fails) and the merges. */
    @Override
    public void close() {
        flusher.shutdown();
        try {
            if (!flusher.awaitTermination(5, TimeUnit.MINUTES)) {
                LOG.warn("index flush still running at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ids.close();
        aggregates.close();
    }
}
