package dev.hindsight.bench.state;

import dev.hindsight.aggregate.AggregateRepository;
import dev.hindsight.aggregate.Loaded;
import dev.hindsight.aggregate.SnapshotPolicy;
import dev.hindsight.aggregate.StateCodec;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import dev.hindsight.store.file.FsyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hindsight-bench state}: aggregate load latency for aggregates of 10, 1,000 and 100,000 events with the default
 * snapshot policy (every 100 events) and without snapshots; full replay of one 1,000,000-event aggregate (10% of
 * events upcast); time travel to random instants in a 10,000-event aggregate. Prints a Markdown table with the
 * issue's floors. Not thread-safe.
 */
@Command(
        name = "state",
        mixinStandardHelpOptions = true,
        description = "Aggregate load, full replay and time-travel latency (issue 3 floors).")
public final class StateCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Scratch directory (default: a new temp dir).")
    Path dir;

    @Option(names = "--iterations", defaultValue = "2000", description = "Timed loads per cell (default 2000).")
    int iterations;

    @Option(names = "--replay-events", defaultValue = "1000000", description = "Events in the replay aggregate.")
    int replayEvents;

    private final List<String> rows = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Path d = dir != null ? dir : Files.createTempDirectory("hindsight-bench-state");
        AtomicLong clockMillis =
                new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(clockMillis.addAndGet(1000));
            }
        };
        try (FileEventLog log = FileEventLog.open(
                        FileLogOptions.defaults(d.resolve("log")).withFsync(FsyncPolicy.NEVER));
                FileSnapshotStore snaps = FileSnapshotStore.open(d.resolve("snapshots"), SnapshotRetention.DEFAULT)) {
            EventStore store = EventStore.builder(log).clock(clock).build();
            StateCodec<Ledger.State> codec = StateCodec.of(Ledger.State.class, 1);
            var withSnapshots = AggregateRepository.builder(store, Ledger.DECIDER, Ledger.REGISTRY, codec)
                    .upcasters(Ledger.UPCASTERS)
                    .snapshots(snaps, SnapshotPolicy.defaultPolicy())
                    .build();
            var withoutSnapshots = AggregateRepository.builder(store, Ledger.DECIDER, Ledger.REGISTRY, codec)
                    .upcasters(Ledger.UPCASTERS)
                    .build();
            rows.add("| measurement | events | p50 ms | p99 ms | floor | result |");
            rows.add("|---|---:|---:|---:|---|---|");
            for (int n : new int[] {10, 1_000, 100_000}) {
                String id = "acc-" + n;
                fill(store, id, n);
                snapshotEvery100(withSnapshots, snaps, store, id, n);
                long[] with = time(() -> withSnapshots.load(id), iterations);
                row(
                        "load, default snapshots (every 100)",
                        n,
                        with,
                        n == 100_000 ? 1.0 : -1,
                        n == 100_000 ? "p99 ≤ 1 ms" : "");
                int iters = n >= 100_000 ? Math.max(20, iterations / 100) : iterations;
                long[] without = time(() -> withoutSnapshots.load(id), iters);
                row("load, no snapshots", n, without, -1, "");
            }
            String tt = "acc-tt";
            fill(store, tt, 10_000);
            snapshotEvery100(withSnapshots, snaps, store, tt, 10_000);
            List<RecordedEvent> ttEvents = store.read(tt).events();
            Instant first = ttEvents.getFirst().timestamp();
            Instant last = ttEvents.getLast().timestamp();
            Random random = new Random(42);
            long span = last.toEpochMilli() - first.toEpochMilli();
            long[] travel = time(
                    () -> withSnapshots.loadAsOf(tt, first.plusMillis((long) (random.nextDouble() * span))),
                    iterations);
            row(
                    "time travel to a random instant (snapshots kept: newest " + SnapshotRetention.DEFAULT.keep()
                            + " + one per " + SnapshotRetention.DEFAULT.anchorEvery() + ")",
                    10_000,
                    travel,
                    2.0,
                    "p99 ≤ 2 ms");
            String big = "acc-replay";
            fill(store, big, replayEvents);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 5; r++) {
                long t0 = System.nanoTime();
                Loaded<Ledger.State> l = withoutSnapshots.load(big);
                double s = (System.nanoTime() - t0) / 1e9;
                if (l.version() != replayEvents) {
                    throw new IllegalStateException("replayed " + l.version());
                }
                best = Math.min(best, s);
            }
            rows.add(String.format(
                    Locale.ROOT,
                    "| full replay, no snapshots, 10%% upcast (best of 5) | %d | %.0f ms"
                            + " total | %.0f events/s | ≤ 1.5 s (≥ 700k/s) | %s |",
                    replayEvents,
                    best * 1000,
                    replayEvents / best,
                    replayEvents / best >= 700_000 ? "PASS" : "MISS"));
        }
        rows.forEach(System.out::println);
        return 0;
    }

    private void row(String what, int events, long[] sortedNanos, double floorMs, String floor) {
        double p50 = percentile(sortedNanos, 50) / 1e6;
        double p99 = percentile(sortedNanos, 99) / 1e6;
        String result = floorMs < 0 ? "" : p99 <= floorMs ? "PASS" : "MISS";
        rows.add(String.format(
                Locale.ROOT, "| %s | %d | %.3f | %.3f | %s | %s |", what, events, p50, p99, floor, result));
    }

    private static long percentile(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** Warms up, then times {@code n} calls; returns the sorted nanos. */
    private static long[] time(Runnable r, int n) {
        for (int i = 0; i < Math.max(50, n / 5); i++) {
            r.run();
        }
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        return t;
    }

    private static void fill(EventStore store, String id, int n) {
        List<EventData> batch = new ArrayList<>(1000);
        for (long i = 1; i <= n; i++) {
            batch.add(new EventData(null, Ledger.type(i), Ledger.schema(i), Ledger.data(i), null));
            if (batch.size() == 1000 || i == n) {
                store.append(id, ExpectedVersion.ANY, batch);
                batch.clear();
            }
        }
    }

    /** Writes the snapshots the default policy would have written (every 100 events) from a single replay. */
    private static void snapshotEvery100(
            AggregateRepository<Object, Ledger.State, Ledger.Event> repo,
            FileSnapshotStore snaps,
            EventStore store,
            String id,
            int n) {
        Ledger.State s = Ledger.DECIDER.initialState();
        long v = 0;
        for (RecordedEvent e : store.read(id).events()) {
            for (RecordedEvent u : Ledger.UPCASTERS.upcast(e)) {
                s = Ledger.DECIDER.evolve(s, Ledger.REGISTRY.fromRecorded(u));
            }
            v = e.version();
            if (v % 100 == 0) {
                repo.writeSnapshot(snaps, id, s, v);
            }
        }
        if (v != n) {
            throw new IllegalStateException("aggregate " + id + " has " + v + " events, expected " + n);
        }
    }
}
