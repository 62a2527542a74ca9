package dev.hindsight.cli;

import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.store.postgres.PostgresEventLog;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve --store postgres --archive-url}: exports old events to the archive and deletes their rows (ADR 0017,
 * the export-and-delete half), every tenth of {@code --archive-after} (between 10 s and 10 min), never past what the
 * consumers applied. Thread-safe.
 */
final class PostgresArchiveTask implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresArchiveTask.class);

    private final PostgresEventLog log;
    private final ObjectStore store;
    private final Duration after;
    private final int rangeEvents;
    private final Supplier<Position> appliedUpTo;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hindsight-pg-archiver").daemon(true).factory());
    private final @Nullable Duration firstRunAfter;
    private volatile StorageUse.@Nullable ArchiveRun lastRun;

    /**
     * @param firstRunAfter when the first run starts; null for after one interval ({@code serve}'s hidden
     *     {@code --archive-first-run-after}, for tests)
     */
    PostgresArchiveTask(
            PostgresEventLog log,
            ObjectStore store,
            Duration after,
            int rangeEvents,
            Supplier<Position> appliedUpTo,
            @Nullable Duration firstRunAfter) {
        this.log = log;
        this.store = store;
        this.after = after;
        this.rangeEvents = rangeEvents;
        this.appliedUpTo = appliedUpTo;
        this.firstRunAfter = firstRunAfter;
    }

    void start() {
        Duration tenth = after.dividedBy(10);
        long ms = Math.clamp(tenth.toMillis(), 10_000L, 600_000L);
        long first = firstRunAfter == null ? ms : Math.max(0, firstRunAfter.toMillis());
        timer.scheduleWithFixedDelay(this::runQuietly, first, ms, TimeUnit.MILLISECONDS);
    }

    private void runQuietly() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            LOG.warn("PostgreSQL archive run failed", e);
        }
    }

    /** Archives now what qualifies. */
    synchronized StorageUse.ArchiveRun runOnce() {
        StorageUse.ArchiveRun run;
        try {
            run = log.archiveNow(store, after, Clock.systemUTC().instant(), appliedUpTo.get(), rangeEvents);
        } catch (HindsightException e) {
            run = new StorageUse.ArchiveRun(Clock.systemUTC().instant(), 0, 0, 0, 0, e.getMessage());
        }
        lastRun = run;
        return run;
    }

    StorageUse.@Nullable ArchiveRun lastRun() {
        return lastRun;
    }

    String describe() {
        return store.describe();
    }

    @Override
    public void close() {
        timer.shutdown();
        try {
            timer.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
