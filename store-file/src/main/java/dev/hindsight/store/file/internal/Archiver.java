package dev.hindsight.store.file.internal;

import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves compressed segments whose newest event is older than the archive age to the object store: uploads the file
 * (under the same key every time, so a retry replaces it with identical bytes), checks size and MD5 of what the store
 * holds, records it in the manifest (locally, then remotely), swaps in a segment that reads through the store, and
 * deletes the local file. A crash before the manifest is written leaves the local file, which the next run uploads
 * again; after it, recovery finds the segment in the manifest and removes the local copy. Thread-safe: runs are
 * serialized.
 */
public final class Archiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);

    private final LogState state;
    private final Path dataDir;
    private final ObjectStore store;
    private final Duration after;
    private final dev.hindsight.core.retention.RetentionPolicy policy;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hindsight-archiver").daemon(true).factory());
    private ArchiveManifest manifest; // guarded by this
    /** Segments found not yet due, and when to look again (weak: a replaced segment drops out); guarded by this. */
    private final java.util.Map<LogFile, Instant> notBefore = new java.util.WeakHashMap<>();

    private volatile @Nullable Run lastRun;
    private volatile boolean closed;

    /**
     * One archive run.
     *
     * @param error why it stopped early, or null
     */
    public record Run(
            Instant at,
            int segments,
            long events,
            long bytes,
            long millis,
            @Nullable String error) {}

    public Archiver(
            LogState state,
            Path dataDir,
            ObjectStore store,
            Duration after,
            dev.hindsight.core.retention.RetentionPolicy policy,
            Clock clock,
            ArchiveManifest manifest) {
        this.state = state;
        this.policy = policy;
        this.dataDir = dataDir;
        this.store = store;
        this.after = after;
        this.clock = clock;
        this.manifest = manifest;
    }

    /** Runs every {@code interval} in the background. */
    public void start(Duration interval) {
        long ms = interval.toMillis();
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        runOnce();
                    } catch (RuntimeException e) {
                        LOG.warn("archive run failed", e);
                    }
                },
                ms,
                ms,
                TimeUnit.MILLISECONDS);
    }

    public synchronized ArchiveManifest manifest() {
        return manifest;
    }

    public @Nullable Run lastRun() {
        return lastRun;
    }

    /** Archives every compressed segment old enough, oldest first; returns what it did. */
    public synchronized Run runOnce() {
        Instant start = clock.instant();
        long t0 = System.nanoTime();
        int segments = 0;
        long events = 0;
        long bytes = 0;
        String error = null;
        Instant cutoff = start.minus(after);
        for (LogFile f : state.segments()) {
            if (closed) {
                break;
            }
            if (!(f instanceof CompressedSegment c) || c.archived() || c.offsetFile() == null) {
                if (f instanceof Segment) {
                    break; // plain segments are not compressed yet; later ones are newer
                }
                continue;
            }
            long last = c.basePosition() + c.records() - 1;
            if (last > state.committed()) {
                break;
            }
            if (policy.rules().isEmpty()) {
                if (state.timestampAt(last).isAfter(cutoff)) {
                    break;
                }
            } else {
                Instant checked = notBefore.get(c);
                if (checked != null && start.isBefore(checked)) {
                    break; // scanned before: nothing in it can be due yet
                }
                Instant next = due(c, start);
                if (next != null) {
                    notBefore.put(c, next);
                    break;
                }
            }
            try {
                synchronized (state.tierLock) {
                    if (!state.contains(c)) {
                        break; // retention rewrote it meanwhile; the next run looks at the new file
                    }
                    archive(c);
                }
                segments++;
                events += c.records();
                bytes += c.storedBytes();
            } catch (IOException | RuntimeException e) {
                error = "archiving " + c.path().getFileName() + ": " + e.getMessage();
                LOG.warn("could not archive {}; it stays local and is retried at the next run", c.path(), e);
                break;
            }
        }
        Run r = new Run(start, segments, events, bytes, (System.nanoTime() - t0) / 1_000_000, error);
        lastRun = r;
        return r;
    }

    /**
     * Null if every event of {@code c} is past the archive age its retention rule gives (ADR 0017), else the earliest
     * time worth looking again. An event of a delete rule counts only once deleted, or once past its delete age if it
     * is its aggregate's last event (never deleted); an expired one not yet deleted (waiting for the next retention
     * run or a projection) is looked at again a minute later.
     */
    private @Nullable Instant due(CompressedSegment c, Instant now) {
        Instant next = null;
        for (long p = c.basePosition(); p < c.basePosition() + c.records(); p++) {
            LogState.Stored r = state.readRecord(p);
            if (r.deleted()) {
                continue;
            }
            dev.hindsight.core.RecordedEvent e = r.event();
            Duration age = policy.archiveAge(e.aggregateId(), e.eventType(), after);
            Instant at = null;
            if (age == null) {
                var rule = java.util.Objects.requireNonNull(policy.ruleFor(e.aggregateId(), e.eventType()));
                Instant expires = e.timestamp().plus(java.util.Objects.requireNonNull(rule.deleteAfter()));
                if (expires.isAfter(now)) {
                    at = expires;
                } else if (state.indexes().aggregateVersion(e.aggregateId()) != e.version()) {
                    at = now.plus(Duration.ofMinutes(1));
                }
            } else if (e.timestamp().plus(age).isAfter(now)) {
                at = e.timestamp().plus(age);
            }
            if (at != null && (next == null || at.isAfter(next))) {
                next = at;
            }
        }
        return next;
    }

    private void archive(CompressedSegment c) throws IOException {
        String key = "segments/" + c.path().getFileName();
        long size = Files.size(c.path());
        String md5 = md5(c.path());
        ObjectStore.ObjectInfo there = store.head(key);
        if (there == null || there.size() != size || !there.md5().equals(md5)) {
            store.put(key, c.path());
            there = store.head(key);
        }
        if (there == null || there.size() != size || !there.md5().equals(md5)) {
            throw new IOException("the uploaded " + key + " does not match the local file (size/MD5 "
                    + (there == null ? "missing" : there.size() + "/" + there.md5()) + " vs " + size + "/" + md5
                    + ")");
        }
        long newest = state.timestampAt(c.basePosition() + c.records() - 1).toEpochMilli();
        ArchiveManifest.Entry e = new ArchiveManifest.Entry(
                key,
                c.basePosition(),
                c.records(),
                c.extent(),
                c.blocks(),
                c.tableOffset(),
                size,
                md5,
                newest,
                clock.millis());
        ArchivedTables tables = state.archivedTables();
        if (tables != null) {
            // before the manifest lists it, so that no read of it ever asks the archive for its table
            tables.write(e, c.storedTable());
        }
        ArchiveManifest next = manifest.with(e);
        next.writeLocal(dataDir);
        manifest = next;
        store.put(ArchiveManifest.KEY, next.toJson());
        CompressedSegment remote = CompressedSegment.archived(
                c.ordinal(), c.path(), state.archivedSource(e), state.blockCache(), e, tables);
        remote.seal(c.offsetFile());
        state.replace(c, remote);
        c.close();
        Files.delete(c.path());
        Segment.forceDirectory(c.path().getParent());
        LOG.info(
                "archived {} ({} events, {} bytes) to {}", c.path().getFileName(), c.records(), size, store.describe());
    }

    static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String md5(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("MD5"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of()
                    .formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdown(); // a run in progress stops after its current segment
        try {
            if (!timer.awaitTermination(120, TimeUnit.SECONDS)) {
                LOG.warn("an archive upload is still running after 120 s; the next open retries it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
