package dev.hindsight.bench.jmh;

import dev.hindsight.bench.scenario.Payloads;
import dev.hindsight.core.AggregateSlice;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read cost from a warm file log: one event (map read, CRC32C, decode into a {@code RecordedEvent}) and a whole
 * 1,000-event aggregate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ReadMicro {
    private static final int AGGREGATES = 100;
    private static final int EVENTS = 1000;

    private TempLog temp;
    private EventStore store;
    private final SplittableRandom random = new SplittableRandom(3);

    @Setup(Level.Trial)
    public void fill() {
        temp = new TempLog();
        store = EventStore.of(temp.log);
        List<EventData> batch = Payloads.events(100, 500, 9);
        for (int round = 0; round < EVENTS / batch.size(); round++) {
            for (int a = 0; a < AGGREGATES; a++) {
                store.append("agg-" + a, ExpectedVersion.ANY, batch);
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        temp.close();
    }

    /** One event by aggregate and version. */
    @Benchmark
    public AggregateSlice readOneEvent() {
        return store.read("agg-" + random.nextInt(AGGREGATES), 1 + random.nextInt(EVENTS), 1, ReadDirection.FORWARD);
    }

    /** A whole aggregate of 1,000 events. */
    @Benchmark
    public AggregateSlice readAggregate() {
        return store.read("agg-" + random.nextInt(AGGREGATES));
    }
}
