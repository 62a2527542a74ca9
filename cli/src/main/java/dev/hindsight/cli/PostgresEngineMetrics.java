package dev.hindsight.cli;

import dev.hindsight.store.postgres.PostgresEventLog;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Meters of the PostgreSQL engine's app-side group commit, read from {@link PostgresEventLog#groupCommitStats()} at
 * scrape time: whether it is on ({@code hindsight_pg_group_commit_enabled}), transactions run by its writers
 * ({@code hindsight_pg_group_commit_batches_total}) and the appends they carried
 * ({@code hindsight_pg_group_commit_appends_total}; their ratio is the appends per transaction). Lone appends skip the
 * queue and are not counted. Reads through the archive (ADR 0017): lookups of its cache that hit
 * ({@code hindsight_pg_archive_cache_hits_total}) and missed ({@code hindsight_pg_archive_cache_misses_total}).
 */
final class PostgresEngineMetrics {
    private PostgresEngineMetrics() {}

    static void bind(PostgresEventLog log, MeterRegistry registry) {
        Gauge.builder("hindsight.pg.group.commit.enabled", log, l -> l.options().groupCommit() ? 1 : 0)
                .description("1 if concurrent appends are merged into shared transactions")
                .register(registry);
        FunctionCounter.builder(
                        "hindsight.pg.group.commit.batches",
                        log,
                        l -> l.groupCommitStats().batches())
                .description("Transactions run by the group committer")
                .register(registry);
        FunctionCounter.builder(
                        "hindsight.pg.group.commit.appends",
                        log,
                        l -> l.groupCommitStats().appends())
                .description("Appends carried by the group committer's transactions")
                .register(registry);
        FunctionCounter.builder(
                        "hindsight.pg.archive.cache.hits",
                        log,
                        l -> l.archiveCacheStats().hits())
                .description("Lookups of archived blocks, block tables and aggregate refs found in memory")
                .register(registry);
        FunctionCounter.builder(
                        "hindsight.pg.archive.cache.misses",
                        log,
                        l -> l.archiveCacheStats().misses())
                .description("Lookups of archived blocks, block tables and aggregate refs that were not cached")
                .register(registry);
    }
}
