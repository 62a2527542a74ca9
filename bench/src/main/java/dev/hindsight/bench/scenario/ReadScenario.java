package dev.hindsight.bench.scenario;

import dev.hindsight.core.AggregateSlice;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.HdrHistogram.Histogram;

/**
 * Reads on a log of {@code aggregates × eventsPerAggregate} events written interleaved (10-event appends, round
 * robin), then reopened (timing recovery): loads of whole aggregates through {@link EventStore#read(String)} and full
 * scans through {@link EventStore#readAll} in pages of 1,000. Baselines read the same segment files through a
 * read-only map and check each frame's CRC32C without decoding it. Not thread-safe.
 */
public final class ReadScenario {
    private static final int APPEND_EVENTS = 10;
    private static final int PAGE = 1000;
    private static final int SEGMENT_HEADER = 64;
    private static final int FRAME_HEADER = 9;

    /**
     * Outcome.
     *
     * @param events events in the log
     * @param eventsPerAggregate events per aggregate
     * @param populateSeconds time to write the log (fsync=never)
     * @param openSeconds time to reopen it (recovery and index rebuild)
     * @param load latency of one whole-aggregate load
     * @param rawLoad baseline: CRC32C over the same number of consecutive frames in the map
     * @param scanEventsPerSecond global scan through {@code readAll}
     * @param rawScanEventsPerSecond baseline: frame walk with CRC32C over the mapped segments
     */
    public record Result(
            long events,
            int eventsPerAggregate,
            double populateSeconds,
            double openSeconds,
            Latency load,
            Latency rawLoad,
            double scanEventsPerSecond,
            double rawScanEventsPerSecond) {}

    private ReadScenario() {}

    public static Result run(
            Path root, int aggregates, int eventsPerAggregate, int payloadBytes, int loadIterations, Duration scanTime)
            throws InterruptedException {
        Path dir = root.resolve("reads");
        Files2.deleteRecursively(dir);
        // plain segments: the raw-scan baseline reads the segment files as written (compressed reads are measured by
        // the growth scenario); with compression on, the baseline read .zlog files as plain frames and failed
        FileLogOptions options =
                FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER).withCompressionLevel(0);
        long t0 = System.nanoTime();
        try (EventStore store = EventStore.of(FileEventLog.open(options))) {
            populate(store, aggregates, eventsPerAggregate, payloadBytes);
        }
        double populateSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        try (EventStore store = EventStore.of(FileEventLog.open(options))) {
            double openSeconds = (System.nanoTime() - t1) / 1e9;
            long events = (long) aggregates * eventsPerAggregate;
            Latency load = loads(store, aggregates, eventsPerAggregate, loadIterations);
            double scan = scans(store, events, scanTime);
            List<MappedByteBuffer> maps = map(dir.resolve("segments"));
            Latency rawLoad = rawLoads(maps, eventsPerAggregate, loadIterations);
            double rawScan = rawScans(maps, events, scanTime);
            return new Result(events, eventsPerAggregate, populateSeconds, openSeconds, load, rawLoad, scan, rawScan);
        } finally {
            Files2.deleteRecursively(dir);
        }
    }

    /** Writes with a few threads so that group commit batches; every aggregate gets its events in 10-event appends. */
    private static void populate(EventStore store, int aggregates, int perAggregate, int payloadBytes)
            throws InterruptedException {
        int threads = 4;
        List<EventData> batch = Payloads.events(APPEND_EVENTS, payloadBytes, 42);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            started.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int round = 0; round < perAggregate / APPEND_EVENTS; round++) {
                        for (int a = first; a < aggregates; a += threads) {
                            store.append("agg-" + a, ExpectedVersion.exact((long) round * APPEND_EVENTS), batch);
                        }
                    }
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : started) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("populating the read log failed", failure.get());
        }
    }

    private static Latency loads(EventStore store, int aggregates, int perAggregate, int iterations) {
        SplittableRandom random = new SplittableRandom(7);
        Histogram h = Latency.histogram();
        long sink = 0;
        for (int i = -iterations / 5; i < iterations; i++) {
            String id = "agg-" + random.nextInt(aggregates);
            long t0 = System.nanoTime();
            AggregateSlice slice = store.read(id);
            long t1 = System.nanoTime();
            if (slice.events().size() != perAggregate) {
                throw new IllegalStateException(id + " has " + slice.events().size() + " events");
            }
            sink += slice.events().getLast().version();
            if (i >= 0) {
                h.recordValue(t1 - t0);
            }
        }
        Blackhole.consume(sink);
        return Latency.of(h);
    }

    /** Whole scans (one warm-up scan first) until {@code time} has passed; events per second over the measured ones. */
    private static double scans(EventStore store, long events, Duration time) {
        scanOnce(store, events);
        long t0 = System.nanoTime();
        long deadline = t0 + time.toNanos();
        long read = 0;
        do {
            read += scanOnce(store, events);
        } while (System.nanoTime() < deadline);
        return read / ((System.nanoTime() - t0) / 1e9);
    }

    private static long scanOnce(EventStore store, long expected) {
        Position after = Position.START;
        long n = 0;
        long sink = 0;
        while (true) {
            GlobalSlice page = store.readAll(after, PAGE, EventFilter.ALL);
            if (page.events().isEmpty()) {
                break;
            }
            n += page.events().size();
            sink += page.events().getLast().eventData().length();
            after = page.next();
        }
        if (n != expected) {
            throw new IllegalStateException("scan read " + n + " events, expected " + expected);
        }
        Blackhole.consume(sink);
        return n;
    }

    private static List<MappedByteBuffer> map(Path segments) {
        List<MappedByteBuffer> maps = new ArrayList<>();
        try (Stream<Path> files = Files.list(segments)) {
            for (Path f : files.sorted().toList()) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    maps.add(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return maps;
    }

    /** Baseline load: CRC32C over {@code frames} consecutive frames from a random frame of the first segment. */
    private static Latency rawLoads(List<MappedByteBuffer> maps, int frames, int iterations) {
        MappedByteBuffer m = maps.getFirst();
        List<Integer> starts = new ArrayList<>();
        walk(m, (off, len) -> starts.add(off));
        int usable = starts.size() - frames;
        if (usable <= 0) {
            return Latency.NONE;
        }
        SplittableRandom random = new SplittableRandom(7);
        Histogram h = Latency.histogram();
        long sink = 0;
        for (int i = -iterations / 5; i < iterations; i++) {
            int off = starts.get(random.nextInt(usable));
            long t0 = System.nanoTime();
            for (int f = 0; f < frames; f++) {
                int len = m.getInt(off);
                sink += crc(m, off, len);
                off += FRAME_HEADER + len;
            }
            long t1 = System.nanoTime();
            if (i >= 0) {
                h.recordValue(t1 - t0);
            }
        }
        Blackhole.consume(sink);
        return Latency.of(h);
    }

    private static double rawScans(List<MappedByteBuffer> maps, long events, Duration time) {
        long t0 = System.nanoTime();
        long deadline = t0 + time.toNanos();
        long read = 0;
        long[] sink = new long[1];
        do {
            long n = 0;
            for (MappedByteBuffer m : maps) {
                n += walk(m, (off, len) -> sink[0] += crc(m, off, len));
            }
            if (n != events) {
                throw new IllegalStateException("raw scan saw " + n + " frames, expected " + events);
            }
            read += n;
        } while (System.nanoTime() < deadline);
        Blackhole.consume(sink[0]);
        return read / ((System.nanoTime() - t0) / 1e9);
    }

    private interface FrameVisitor {
        void frame(int offset, int length);
    }

    /** Visits each frame of a segment (documented format: 64-byte header, then length|crc|flags|payload). */
    private static long walk(MappedByteBuffer m, FrameVisitor visitor) {
        int off = SEGMENT_HEADER;
        long n = 0;
        while (off + FRAME_HEADER <= m.limit()) {
            int len = m.getInt(off);
            if (len == 0) {
                break;
            }
            visitor.frame(off, len);
            off += FRAME_HEADER + len;
            n++;
        }
        return n;
    }

    private static int crc(MappedByteBuffer m, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(m.slice(off + 8, 1 + len));
        int value = (int) crc.getValue();
        if (value != m.getInt(off + 4)) {
            throw new IllegalStateException("CRC mismatch at " + off);
        }
        return value;
    }

    /** Keeps results alive so the JIT cannot drop the work that made them. */
    private static final class Blackhole {
        static volatile long sink;

        static void consume(long v) {
            sink += v;
        }
    }
}
