import dev.hindsight.archive.ObjectStores;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.store.file.ArchiveOptions;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import dev.hindsight.store.file.internal.ArchiveManifest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cold, warm and hot reads of one aggregate on a store that {@code growth --archive-url} grew and archived, in a fresh
 * JVM (as {@code serve} after a restart): the same aggregate ids the growth bench picks (Random(7) over its source),
 * read in the same order. Run with a bench jar on the class path, so that two builds can be compared on one store:
 * {@code java -cp hindsight-bench.jar bench/cold-reads/ColdReads.java SOURCE DIR ARCHIVE_URL S3_ENDPOINT
 * FIRST_ROUND_SIZE [CACHE_BYTES]} (FIRST_ROUND_SIZE: events round 0 wrote, 999000 for --checkpoints 1000000 over a
 * source of at least that many).
 */
public final class ColdReads {
    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        Path dir = Path.of(args[1]);
        int firstRound = Integer.parseInt(args[4]);
        long cache = args.length > 5 ? Long.parseLong(args[5]) : ArchiveOptions.DEFAULT_CACHE_BYTES;
        List<String> seed = seedAggregates(source, firstRound);
        Random rnd = new Random(7);
        List<String> archived = new ArrayList<>();
        List<String> hot = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            archived.add(seed.get(rnd.nextInt(firstRound / 2)) + "-r0");
            hot.add(seed.get(firstRound - 1 - rnd.nextInt(Math.max(1, firstRound / 4))) + "-r0");
        }
        System.gc();
        long t0 = System.nanoTime();
        List<ArchiveManifest.Entry> entries = ArchiveManifest.readLocal(dir).segments();
        try (ObjectStore real = ObjectStores.open(args[2], args[3]);
                Counting store = new Counting(real, entries);
                FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir)
                        .withFsync(FsyncPolicy.NEVER)
                        .withArchive(new ArchiveOptions(store, Duration.ZERO, Duration.ofDays(1), cache)))) {
            System.out.printf(
                    Locale.ROOT,
                    "open %.0f ms; archived events %,d of %,d%n",
                    (System.nanoTime() - t0) / 1e6,
                    log.tiers().archivedEvents(),
                    log.tiers().archivedEvents() + log.tiers().hotEvents());
            store.reset();
            store.startTimeline();
            double[] cold = times(log, archived, "archived cold");
            System.out.println("requests during the cold reads: " + store);
            store.printTimeline();
            double[] warm = times(log, archived, "archived warm");
            double[] hotT = times(log, hot, "hot");
            System.out.printf(
                    Locale.ROOT,
                    "fresh JVM, reads of one aggregate (200 each): archived cold p50 %.2f p99 %.2f ms; archived warm"
                            + " p50 %.2f p99 %.2f ms; hot p50 %.2f p99 %.2f ms%n",
                    cold[0],
                    cold[1],
                    warm[0],
                    warm[1],
                    hotT[0],
                    hotT[1]);
        }
    }

    /**
     * Counts the ranged reads of archived segments by kind: block tables (at a manifest entry's table offset), the
     * local copy's chunks (4 MiB, or the last one), the open's 64-byte header warm-up, and the rest (block spans).
     */
    static final class Counting implements ObjectStore {
        private final ObjectStore real;
        private final List<ArchiveManifest.Entry> entries;
        final AtomicLong tables = new AtomicLong();
        final AtomicLong copyChunks = new AtomicLong();
        final AtomicLong headers = new AtomicLong();
        final AtomicLong spans = new AtomicLong();
        final AtomicLong spanBytes = new AtomicLong();
        /** With {@code -Dcoldreads.timeline=true}: every request of the cold phase, for {@link #printTimeline}. */
        final java.util.concurrent.ConcurrentLinkedQueue<long[]> requests = new java.util.concurrent.ConcurrentLinkedQueue<>();

        long t0;
        volatile boolean recording;

        Counting(ObjectStore real, List<ArchiveManifest.Entry> entries) {
            this.real = real;
            this.entries = entries;
        }

        void reset() {
            tables.set(0);
            copyChunks.set(0);
            headers.set(0);
            spans.set(0);
            spanBytes.set(0);
        }

        void startTimeline() {
            recording = Boolean.getBoolean("coldreads.timeline");
            t0 = System.nanoTime();
            READS.clear();
            System.out.printf(
                    Locale.ROOT,
                    "timeline t0 = JVM uptime %d ms%n",
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
        }

        /**
         * The cold phase as a timeline (ms since its start): every read that took 20 ms or more or was among the first
         * 40 (start, duration, events, the ranged requests that started during it: s = block span, c = copy chunk),
         * then the copy's chunks.
         */
        void printTimeline() {
            if (!recording) {
                return;
            }
            recording = false;
            List<long[]> reqs = new ArrayList<>(requests);
            reqs.sort((a, b) -> Long.compare(a[1], b[1]));
            for (long[] r : READS) {
                if (r[0] >= 40 && (r[2] - r[1]) < 20_000_000L) {
                    continue;
                }
                StringBuilder sb = new StringBuilder();
                for (long[] q : reqs) {
                    if (q[1] >= r[1] && q[1] < r[2]) {
                        sb.append(String.format(
                                Locale.ROOT,
                                " %s%.1f+%.1f(%dk)",
                                q[0] == 1 ? "c" : "s",
                                (q[1] - t0) / 1e6,
                                (q[2] - q[1]) / 1e6,
                                q[3] / 1024));
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "TL read #%d at %.1f ms took %.1f ms (%d events):%s%n",
                        r[0],
                        (r[1] - t0) / 1e6,
                        (r[2] - r[1]) / 1e6,
                        r[3],
                        sb);
            }
            StringBuilder c = new StringBuilder();
            for (long[] q : reqs) {
                if (q[0] == 1) {
                    c.append(String.format(Locale.ROOT, " %.1f+%.1f", (q[1] - t0) / 1e6, (q[2] - q[1]) / 1e6));
                }
            }
            System.out.println("TL copy chunks (start+duration ms):" + c);
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "block tables %d, block spans %d (%,d bytes), copy chunks %d, header warm-ups %d",
                    tables.get(),
                    spans.get(),
                    spanBytes.get(),
                    copyChunks.get(),
                    headers.get());
        }

        @Override
        public byte[] get(String key, long offset, int length) throws java.io.IOException {
            long start = System.nanoTime();
            int kind = classify(key, offset, length);
            byte[] b = real.get(key, offset, length);
            if (recording) {
                requests.add(new long[] {kind, start, System.nanoTime(), length});
            }
            return b;
        }

        /**
         * {@code ObjectStore.get(key, offset, ByteBuffer)} of builds that have it (session 19 on; not an override for
         * older ones, which never call it), passed on to the real store's (so that its own buffers are used), counted.
         */
        public void get(String key, long offset, java.nio.ByteBuffer into) throws java.io.IOException {
            long start = System.nanoTime();
            int length = into.remaining();
            int kind = classify(key, offset, length);
            try {
                ObjectStore.class
                        .getMethod("get", String.class, long.class, java.nio.ByteBuffer.class)
                        .invoke(real, key, offset, into);
            } catch (java.lang.reflect.InvocationTargetException x) {
                if (x.getCause() instanceof java.io.IOException io) {
                    throw io;
                }
                throw new IllegalStateException(x.getCause());
            } catch (ReflectiveOperationException x) {
                throw new IllegalStateException(x);
            }
            if (recording) {
                requests.add(new long[] {kind, start, System.nanoTime(), length});
            }
        }

        /** Counts a ranged read by kind; 1 for a copy chunk, else 0. */
        private int classify(String key, long offset, int length) {
            ArchiveManifest.Entry e = entries.stream()
                    .filter(x -> key.endsWith(x.key()))
                    .findFirst()
                    .orElse(null);
            if (offset == 0 && length == 64) {
                headers.incrementAndGet();
            } else if (e != null && offset == e.tableOffset()) {
                tables.incrementAndGet();
            } else if (length == 4 << 20 || (e != null && offset % (4 << 20) == 0 && offset + length == e.bytes())) {
                copyChunks.incrementAndGet();
                return 1;
            } else {
                spans.incrementAndGet();
                spanBytes.addAndGet(length);
            }
            return 0;
        }

        @Override
        public void put(String key, Path file) throws java.io.IOException {
            real.put(key, file);
        }

        @Override
        public void put(String key, byte[] bytes) throws java.io.IOException {
            real.put(key, bytes);
        }

        @Override
        public byte[] get(String key) throws java.io.IOException {
            return real.get(key);
        }

        @Override
        public ObjectInfo head(String key) throws java.io.IOException {
            return real.head(key);
        }

        @Override
        public List<String> list(String prefix) throws java.io.IOException {
            return real.list(prefix);
        }

        @Override
        public void delete(String key) throws java.io.IOException {
            real.delete(key);
        }

        @Override
        public String describe() {
            return real.describe();
        }

        @Override
        public void close() {}
    }

    /** The cold phase's reads: {index, start, end, events} (nanoTime). */
    static final List<long[]> READS = new ArrayList<>();

    private static double[] times(FileEventLog log, List<String> ids, String what) {
        long[] ns = new long[ids.size()];
        int[] sizes = new int[ids.size()];
        boolean record = what.equals("archived cold");
        for (int i = 0; i < ns.length; i++) {
            long t0 = System.nanoTime();
            sizes[i] = log.readAggregate(ids.get(i), 1, 1000, ReadDirection.FORWARD).size();
            ns[i] = System.nanoTime() - t0;
            if (record) {
                READS.add(new long[] {i, t0, t0 + ns[i], sizes[i]});
            }
            if (sizes[i] == 0) {
                throw new IllegalStateException(ids.get(i) + " has no events");
            }
        }
        Integer[] order = new Integer[ns.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Long.compare(ns[b], ns[a]));
        StringBuilder slow = new StringBuilder();
        for (int k = 0; k < 5; k++) {
            int i = order[k];
            slow.append(String.format(Locale.ROOT, " #%d %.1f ms (%d events);", i, ns[i] / 1e6, sizes[i]));
        }
        System.out.println("slowest " + what + " reads (#: place in the sequence):" + slow);
        Arrays.sort(ns);
        return new double[] {ns[ns.length / 2] / 1e6, ns[(int) (ns.length * 0.99)] / 1e6};
    }

    /**
     * The aggregate of each of the first {@code firstRound} events of the source store (the growth bench's first
     * round): the ids read here and by {@code BlockGaps} are drawn from it with the same seeded sequence.
     */
    static List<String> seedAggregates(Path source, int firstRound) {
        List<String> seed = new ArrayList<>();
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(source))) {
            Position p = Position.START;
            while (seed.size() < firstRound) {
                GlobalSlice s = log.readAll(p, 10_000, EventFilter.ALL);
                if (s.events().isEmpty()) {
                    break;
                }
                for (RecordedEvent e : s.events()) {
                    seed.add(e.aggregateId());
                }
                p = s.next();
            }
        }
        return seed;
    }
}
