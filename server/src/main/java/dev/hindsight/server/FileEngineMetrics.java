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
        bindTiers(log, registry);
        return metrics;
    }

    /** Gauges of the storage tiers, compression, block cache and archive, read when scraped. */
    private static void bindTiers(FileEventLog log, MeterRegistry registry) {
        io.micrometer.core.instrument.Gauge.builder(
                        "hindsight.storage.hot.bytes", log, l -> l.tiers().hotBytes())
                .baseUnit("bytes")
                .description("Log bytes on local disk (plain and compressed segments)")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder(
                        "hindsight.storage.archived.bytes", log, l -> l.tiers().archivedBytes())
                .baseUnit("bytes")
                .description("Log bytes held only in the archive")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder(
                        "hindsight.storage.archived.events", log, l -> l.tiers().archivedEvents())
                .description("Events held only in the archive")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder(
                        "hindsight.index.memtable.events", log, FileEventLog::indexMemtableEvents)
                .description("Events whose index entries are in memory (bounded by the memtable size, not history)")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("hindsight.storage.compression.ratio", log, l -> {
                    var t = l.tiers();
                    return t.compressedBytes() == 0 ? 0 : (double) t.compressedPlainBytes() / t.compressedBytes();
                })
                .description("Plain bytes per stored byte of the compressed segments")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder(
                        "hindsight.block.cache.hits",
                        log,
                        l -> l.blockCacheStats().hitCount())
                .description("Reads of compressed blocks served from memory")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder(
                        "hindsight.block.cache.misses",
                        log,
                        l -> l.blockCacheStats().missCount())
                .description("Reads of compressed blocks that decompressed (and, if archived, fetched) a block")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder(
                        "hindsight.compaction.segments",
                        log,
                        l -> l.compaction().segments())
                .description("Segments compressed since start")
                .register(registry);
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
