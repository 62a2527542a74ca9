package dev.hindsight.server;

import dev.hindsight.store.file.CommitObserver;
import dev.hindsight.store.file.FileEventLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Meters of the file engine's group commit, fed by {@link FileEventLog#onCommit}: fsync latency
 * ({@code hindsight_fsync_seconds}, histogram and percentiles), events and appends per batch
 * ({@code hindsight_commit_batch_events}, {@code hindsight_commit_batch_appends}) and bytes written
 * ({@code hindsight_commit_bytes_total}). Thread-safe; {@link #committed} is cheap enough for the writer thread.
 */
public final class FileEngineMetrics implements CommitObserver {
    private final Timer fsync;
    private final DistributionSummary batchEvents;
    private final DistributionSummary batchAppends;
    private final Counter bytes;

    public FileEngineMetrics(MeterRegistry registry) {
        this.fsync = Timer.builder("hindsight.fsync")
                .description("Time spent forcing a group-commit batch to disk")
                .publishPercentiles(0.5, 0.9, 0.99, 0.999)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(20_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.batchEvents = DistributionSummary.builder("hindsight.commit.batch.events")
                .baseUnit("events")
                .description("Events written per group-commit batch")
                .publishPercentiles(0.5, 0.99)
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0)
                .maximumExpectedValue(100_000.0)
                .register(registry);
        this.batchAppends = DistributionSummary.builder("hindsight.commit.batch.appends")
                .baseUnit("appends")
                .description("Appends acknowledged per group-commit batch")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.bytes = Counter.builder("hindsight.commit.bytes")
                .baseUnit("bytes")
                .description("Bytes written by group commits")
                .register(registry);
    }

    /** Registers the meters and subscribes them to {@code log}'s commits. */
    public static FileEngineMetrics bind(FileEventLog log, MeterRegistry registry) {
        FileEngineMetrics metrics = new FileEngineMetrics(registry);
        log.onCommit(metrics);
        return metrics;
    }

    @Override
    public void committed(int appends, int events, long bytesWritten, long fsyncNanos) {
        batchEvents.record(events);
        batchAppends.record(appends);
        bytes.increment(bytesWritten);
        if (fsyncNanos > 0) {
            fsync.record(fsyncNanos, TimeUnit.NANOSECONDS);
        }
    }
}
