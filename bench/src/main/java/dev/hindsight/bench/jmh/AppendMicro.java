package dev.hindsight.bench.jmh;

import dev.hindsight.bench.scenario.Payloads;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Append cost without the disk: through {@link EventStore} (validation + encode + hand-off to the writer thread +
 * copy into the batch buffer) and straight to the engine with pre-validated events, on a log that never fsyncs, and
 * through {@code EventStore} to an engine that does nothing (validation alone). The difference between the first two
 * is what validation adds on the engine path; the third is validation in isolation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class AppendMicro {
    @Param({"500"})
    int payloadBytes;

    private TempLog temp;
    private EventStore store;
    private EventStore validatingOnly;
    private List<EventData> one;
    private String json;
    private final AtomicLong ids = new AtomicLong();

    @Setup(Level.Trial)
    public void open() {
        temp = new TempLog();
        store = EventStore.of(temp.log);
        validatingOnly = EventStore.of(new NullEventLog());
        one = Payloads.events(1, payloadBytes, 1);
        json = one.getFirst().eventData();
    }

    @TearDown(Level.Trial)
    public void close() {
        temp.close();
    }

    /** EventStore.append of one event: validation, id, encode, writer hand-off (fsync=never). */
    @Benchmark
    public AppendResult storeAppendOne() {
        return store.append("agg-" + (ids.incrementAndGet() & 1023), ExpectedVersion.ANY, one);
    }

    /** EventLog.append of one already-validated event: encode, writer hand-off (fsync=never). */
    @Benchmark
    public AppendResult logAppendOne() {
        long n = ids.incrementAndGet();
        ProposedEvent p = new ProposedEvent(
                new UUID(0x4842L, n),
                "agg-" + (n & 1023),
                Payloads.EVENT_TYPE,
                1,
                json,
                "{\"timestamp\":\"2026-11-26T00:00:00Z\"}",
                Instant.EPOCH,
                false);
        return temp.log.append(p.aggregateId(), ExpectedVersion.ANY, List.of(p));
    }

    /** EventStore.append of one event to an engine that does nothing: the store's validation alone. */
    @Benchmark
    public AppendResult validationOnly() {
        return validatingOnly.append("agg-1", ExpectedVersion.ANY, one);
    }
}
