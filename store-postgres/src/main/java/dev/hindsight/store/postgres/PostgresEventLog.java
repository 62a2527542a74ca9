package dev.hindsight.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.core.spi.RetentionSupport;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.store.postgres.internal.AppendCall;
import dev.hindsight.store.postgres.internal.Appender;
import dev.hindsight.store.postgres.internal.ArchiveRestorer;
import dev.hindsight.store.postgres.internal.ArchivedEvents;
import dev.hindsight.store.postgres.internal.CommitSignals;
import dev.hindsight.store.postgres.internal.EventReader;
import dev.hindsight.store.postgres.internal.GroupCommitter;
import dev.hindsight.store.postgres.internal.InlineHooks;
import dev.hindsight.store.postgres.internal.Migrations;
import dev.hindsight.store.postgres.internal.Notifications;
import dev.hindsight.store.postgres.internal.PostgresArchiver;
import dev.hindsight.store.postgres.internal.RetentionDeletes;
import dev.hindsight.store.postgres.internal.Retrying;
import dev.hindsight.store.postgres.internal.SingleAppend;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The PostgreSQL engine: events in a hash-partitioned table, one round trip per append, and a global order that
 * subscribers can follow without ever skipping an event that commits late (ADR 0004).
 *
 * <p>Positions are {@code (transaction id << 20) + index of the event in its transaction}: strictly increasing in the
 * order readers see events, but not contiguous. {@link #readAll} and {@link #head} only see appends older than the
 * oldest append of this store still running, so an event never appears below a position already returned; the price
 * is that a slow append delays (never reorders) what readers see. Every write to the events must go through the
 * engine.
 * Aggregate reads see every committed event at once. Waiting subscribers are woken by local commits and by
 * {@code LISTEN/NOTIFY} for commits of other processes.
 *
 * <p>Acknowledged appends are committed (durable unless {@link PostgresOptions#synchronousCommit()} is off). An append
 * whose connection is lost is retried for {@link PostgresOptions#retryFor()} and then fails with
 * {@link StoreUnavailableException}; it is then either fully stored or not at all, and retrying it with the same event
 * ids is safe. Reads retry the same way.
 *
 * <p>Thread-safe. {@link #close()} waits for appends in flight.
 */
public final class PostgresEventLog implements EventLog, RetentionSupport {
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Bound of the decoded archived blocks kept in memory (ADR 0017). */
    private static final long ARCHIVE_CACHE_BYTES = 64L << 20;

    private final PostgresOptions options;
    private final DataSource ds;
    private final @Nullable HikariDataSource ownedPool;
    private final EventReader reader;
    private final ArchivedEvents archived;
    private final Retrying retrying;
    private final CommitSignals signals = new CommitSignals();
    private final Notifications notifications;
    private final @Nullable GroupCommitter group;
    private final Appender appender;
    private final InlineHooks inline = new InlineHooks();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;

    private PostgresEventLog(DataSource ds, PostgresOptions options, @Nullable HikariDataSource ownedPool) {
        this.options = options;
        this.ds = ds;
        this.ownedPool = ownedPool;
        this.reader = new EventReader(ds, options.schema());
        this.archived = new ArchivedEvents(ds, options.schema(), reader, ARCHIVE_CACHE_BYTES);
        this.retrying = new Retrying(options.retryFor(), () -> closed);
        this.notifications = new Notifications(ds, options.schema(), signals);
        SingleAppend single = new SingleAppend(options.schema(), notifications.channel(), notifications);
        this.group = options.groupCommit()
                ? new GroupCommitter(
                        ds,
                        new AppendCall(options.schema(), notifications.channel(), notifications),
                        single,
                        options.groupCommitWriters(),
                        options.schema(),
                        inline,
                        options.groupCommitLinger())
                : null;
        this.appender =
                new Appender(ds, options.schema(), single, reader, archived, retrying, group, this::committed, inline);
    }

    /**
     * Opens the store described by {@code options} with its own connection pool (closed with the log), creating or
     * migrating its schema first unless {@link PostgresOptions#migrate()} is off.
     *
     * @throws StoreUnavailableException if the database cannot be reached or migrated
     */
    public static PostgresEventLog open(PostgresOptions options) {
        HikariDataSource pool;
        try {
            pool = options.openPool();
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("cannot connect to " + options.jdbcUrl() + ": " + e.getMessage(), e);
        }
        try {
            return start(pool, options, pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Opens the store on a connection pool the caller owns (and closes after the log); the pool should allow one
     * connection more than the appenders need, for the notification listener, and with group commit one more per
     * writer, which keeps a connection of its own for as long as the log is open. Only the schema and behaviour
     * settings of {@code options} apply; the connection settings are the pool's.
     *
     * @throws StoreUnavailableException if the schema cannot be migrated
     */
    public static PostgresEventLog open(DataSource dataSource, PostgresOptions options) {
        return start(dataSource, options, null);
    }

    private static PostgresEventLog start(DataSource ds, PostgresOptions options, @Nullable HikariDataSource owned) {
        requireReadCommitted(ds);
        if (options.migrate()) {
            Migrations.migrate(ds, options.schema(), options.partitions());
        }
        PostgresEventLog log = new PostgresEventLog(ds, options, owned);
        log.notifications.start();
        return log;
    }

    /**
     * Appends read the aggregate's last event after taking its lock, and reads of the global log need a new snapshot
     * per statement (ADR 0004): both need READ COMMITTED, which the engine's own pool sets; a caller's pool may not.
     */
    private static void requireReadCommitted(DataSource ds) {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('transaction_isolation')")) {
            rs.next();
            String level = rs.getString(1);
            if (!"read committed".equals(level)) {
                throw new IllegalArgumentException("the PostgreSQL engine needs connections in READ COMMITTED; the"
                        + " data source gives " + level + " (set the pool's transaction isolation)");
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot check the data source: " + e.getMessage(), e);
        }
    }

    /** The options it was opened with. */
    public PostgresOptions options() {
        return options;
    }

    /** The connection pool it uses, for the snapshot and checkpoint stores of the same database. */
    public DataSource dataSource() {
        return ds;
    }

    /**
     * Group-commit counters since open.
     *
     * @param batches transactions the group committer ran
     * @param appends appends they carried
     */
    public record GroupCommitStats(long batches, long appends) {}

    /** How group commit has merged appends so far (zeros when it is off). */
    public GroupCommitStats groupCommitStats() {
        return group == null ? new GroupCommitStats(0, 0) : new GroupCommitStats(group.batches(), group.appends());
    }

    /**
     * Registers work to run inside every append's transaction, before it commits (an inline projection); see
     * {@link InlineAppendHook}. Appends already running are not affected.
     */
    public void addInlineHook(InlineAppendHook hook) {
        inline.add(java.util.Objects.requireNonNull(hook));
    }

    /** Unregisters a hook added with {@link #addInlineHook}; returns whether it was registered. */
    public boolean removeInlineHook(InlineAppendHook hook) {
        return inline.remove(hook);
    }

    /** Whether the connection that receives other processes' commit notifications is up. */
    public boolean listening() {
        return notifications.listening();
    }

    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        inFlight.incrementAndGet();
        try {
            ensureOpen();
            return appender.append(aggregateId, expected, events);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void committed(long position, boolean notified) {
        signals.committed(position);
        if (notified) {
            notifications.announced(position);
        } else {
            notifications.request(position);
        }
    }

    /** Time-ordered ids ({@link TimeOrderedUuids}): they insert at the right edge of the event-id index (ADR 0004). */
    @Override
    public Supplier<UUID> preferredIds() {
        return new TimeOrderedUuids();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Versions below the aggregate's oldest row, when archived, are read from the archive's objects (ADR 0017).
     *
     * @throws StoreUnavailableException if they are archived and no archive is attached ({@link #useArchive})
     * @throws dev.hindsight.core.CorruptionException if an archived object they are in is damaged
     */
    @Override
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection dir) {
        ensureOpen();
        return retrying.run(
                "reading '" + aggregateId + "'", () -> archived.readAggregate(aggregateId, fromVersion, limit, dir));
    }

    /**
     * Reads archived events from {@code store} (the archive {@link #archiveNow} writes to): the global log below the
     * archived position and aggregates' archived versions fall through to its objects, through a bounded cache of
     * checked, decoded blocks. {@link #archiveNow} attaches its store when none is. The caller keeps owning
     * {@code store}; {@code null} detaches it (reads that need the archive then fail).
     */
    public void useArchive(@Nullable ObjectStore store) {
        archived.attach(store);
    }

    /**
     * Lookups of the archive cache (decoded blocks, block tables, aggregates' object lists) since open.
     *
     * @param hits found in memory
     * @param misses fetched (from the index or the archive)
     */
    public record ArchiveCacheStats(long hits, long misses) {}

    /** How the archive cache has done so far. */
    public ArchiveCacheStats archiveCacheStats() {
        var s = archived.cacheStats();
        return new ArchiveCacheStats(s.hitCount(), s.missCount());
    }

    /**
     * Deletes the events that {@code policy}'s delete rules expire (ADR 0017): rows at or below {@code appliedUpTo},
     * older than the rule's age by their timestamp, never an aggregate's last event. Archive-after rules are the
     * archive's (not done by this engine) and ignored here.
     */
    @Override
    public void deleteExpired(
            RetentionPolicy policy, Instant now, Position appliedUpTo, RetentionSupport.Deletions deletions) {
        long bound = sequence(appliedUpTo);
        ensureOpen();
        boolean[] deleted = {false};
        try {
            // each committed batch is reported once, also across retries: a retry finds those rows gone
            retrying.run("deleting expired events", () -> {
                new RetentionDeletes(ds, options.schema()).run(policy, now, bound, (rule, n) -> {
                    deleted[0] = true;
                    deletions.deleted(rule, n);
                });
                return null;
            });
        } finally {
            if (deleted[0]) {
                reader.forget(); // also after a failure part-way: no cached page may still hold deleted rows
            }
        }
    }

    /**
     * Exports the oldest events to {@code store} in ranges of {@code segmentEvents} events, in the file engine's
     * segment format, lists them in the archive index, then deletes the exported rows but each aggregate's last event
     * (ADR 0017). Reads of the archived events fall through to {@code store} (attached for reads if no archive is). A
     * range qualifies when all its events are visible, at or below {@code appliedUpTo} and older than {@code after} at
     * {@code now}.
     *
     * @return what was archived; {@code error} says why a run stopped early (nothing of that range was deleted)
     */
    public StorageUse.ArchiveRun archiveNow(
            ObjectStore store, Duration after, Instant now, Position appliedUpTo, int segmentEvents) {
        if (segmentEvents < 1) {
            throw new IllegalArgumentException("segmentEvents must be >= 1");
        }
        long bound = sequence(appliedUpTo);
        ensureOpen();
        if (archived.store() == null) {
            archived.attach(store);
        }
        return retrying.run("archiving old events", () -> {
            PostgresArchiver archiver = new PostgresArchiver(ds, options.schema(), reader);
            StorageUse.ArchiveRun run = archiver.run(store, after, now, bound, segmentEvents);
            archived.archivedUpTo(archiver.archivedUpTo());
            return run;
        });
    }

    /**
     * Puts the archive's events back (ADR 0017): every range listed in {@code store}'s PostgreSQL manifest is
     * downloaded, checked (MD5, CRCs) and inserted with its original positions, skipping rows still present; then the
     * archived position is forgotten, so a later archive run exports them again instead of deleting them. Works on an
     * empty schema (a new store rebuilt from the archive) and on the archiving store itself.
     *
     * @return segments read, events in them, events inserted
     */
    public RestoredArchive restoreArchive(ObjectStore store) {
        ensureOpen();
        return retrying.run("restoring from the archive", () -> {
            try {
                RestoredArchive restored = new ArchiveRestorer(ds, options.schema(), reader).restore(store);
                archived.restored();
                return restored;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        ensureOpen();
        return retrying.run("reading the version of '" + aggregateId + "'", () -> reader.aggregateVersion(aggregateId));
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        long from = sequence(after);
        ensureOpen();
        return retrying.run("reading the global log", () -> archived.readAll(from, limit, filter));
    }

    @Override
    public Position head() {
        ensureOpen();
        return Position.of(retrying.run("reading the head", reader::head));
    }

    /**
     * Counts the committed events ({@code count(*)}: an index-only scan, so its cost grows with the store) and sums the
     * sizes of the events partitions and the event-id table with their indexes.
     */
    @Override
    public StorageUse storage() {
        ensureOpen();
        String schema = options.schema();
        String sql = "SELECT (SELECT count(*) FROM " + schema + ".events),"
                + " (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits"
                + " WHERE inhparent = '" + schema + ".events'::regclass)"
                + " + pg_total_relation_size('" + schema + ".event_ids')";
        return retrying.run("measuring the store", () -> {
            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return new StorageUse(rs.getLong(1), rs.getLong(2));
            }
        });
    }

    /**
     * Waits for a visible event after {@code after}. Blocks on commit signals (local commits, notifications) without
     * polling; only while an event is known to be committed but not yet visible (an older transaction still runs) does
     * it look again with a short backoff. While the database is unreachable it keeps waiting until the timeout.
     */
    @Override
    public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
        long target = sequence(after);
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoff = TimeUnit.MILLISECONDS.toNanos(1);
        while (true) {
            long generation = signals.generation();
            if (closed) {
                return false;
            }
            Long head = headOrNull();
            if (head != null && head > target) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            if (head == null || signals.knownCommitted() > target) {
                signals.awaitChange(generation, Math.min(backoff, left));
                backoff = Math.min(MAX_POLL_NANOS, backoff * 2);
            } else {
                signals.awaitChange(generation, left);
            }
        }
    }

    private @Nullable Long headOrNull() {
        try {
            return reader.head();
        } catch (java.sql.SQLException e) {
            return null;
        }
    }

    private static long sequence(Position p) {
        if (!(p instanceof Position.Sequence s)) {
            throw new InvalidRequestException("the PostgreSQL engine takes a numeric position, not " + p);
        }
        return s.value();
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreClosedException("the store is closed");
        }
    }

    /**
     * Stops taking appends, waits for those in flight (at most the retry time plus a little), stops the notification
     * threads, wakes waiting subscribers and closes the pool if the log owns it. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + options.retryFor().toNanos() + TimeUnit.SECONDS.toNanos(5);
        while (inFlight.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (group != null) {
            group.close();
        }
        notifications.close();
        signals.wake();
        if (ownedPool != null) {
            ownedPool.close();
        }
    }
}
