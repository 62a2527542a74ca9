package dev.hindsight.store.file.internal;

import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.retention.RetentionRule;
import dev.hindsight.core.spi.RetentionSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired events from sealed local segments (ADR 0017): a segment holding events that a delete rule expires is
 * rewritten as a compressed segment in which those records keep their length, position, version, ids, type and
 * timestamps but have their data and metadata zeroed and the {@code DELETED} flag set; it replaces the old file
 * atomically. Offsets, offset files and hash runs stay valid, readers skip the deleted records. Never deletes an event
 * after {@code appliedUpTo}, nor an aggregate's last event. Archived segments are not rewritten (the archiver keeps a
 * segment local until its delete-rule events are deleted). Thread-safe: runs are serialized; each segment is handled
 * under {@link LogState#tierLock}.
 */
public final class SegmentRetention {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentRetention.class);

    private final LogState state;
    private final Path segmentsDir;
    private final SegmentCompressor compressor;
    private final boolean plainToo;

    /**
     * @param level zstd level of rewritten segments; 0 (compression off) rewrites sealed plain segments too, at level
     *     3, since no compactor works on them
     */
    public SegmentRetention(LogState state, Path segmentsDir, int level) {
        this.state = state;
        this.segmentsDir = segmentsDir;
        this.compressor = new SegmentCompressor(level == 0 ? 3 : level);
        this.plainToo = level == 0;
    }

    /**
     * Deletes what {@code policy} expires at {@code now} up to {@code appliedUpTo}, telling {@code deletions} about
     * each segment once its rewrite is durable (a failure on a later segment leaves those counted).
     */
    public synchronized void run(
            RetentionPolicy policy, Instant now, long appliedUpTo, RetentionSupport.Deletions deletions)
            throws IOException {
        if (!policy.deletes()) {
            return;
        }
        LogFile[] segs = state.segments();
        for (int i = 0; i + 1 < segs.length; i++) { // never the active segment
            LogFile f = segs[i];
            if (f.basePosition() > appliedUpTo) {
                break;
            }
            if (f.archived() || f.offsetFile() == null || !(f instanceof CompressedSegment || plainToo)) {
                continue;
            }
            synchronized (state.tierLock) {
                if (state.contains(f)) {
                    rewrite(f, policy, now, appliedUpTo, deletions);
                }
            }
        }
    }

    private void rewrite(
            LogFile f, RetentionPolicy policy, Instant now, long appliedUpTo, RetentionSupport.Deletions deletions)
            throws IOException {
        int records = f.sealedCount();
        long last = Math.min(f.basePosition() + records - 1, Math.min(appliedUpTo, state.committed()));
        int[] offsets = new int[16];
        int n = 0;
        Map<RetentionRule, Long> here = new LinkedHashMap<>();
        for (long p = f.basePosition(); p <= last; p++) {
            RetentionRule rule = expired(p, policy, now);
            if (rule != null) {
                if (n == offsets.length) {
                    offsets = java.util.Arrays.copyOf(offsets, n * 2);
                }
                offsets[n++] = f.offsetOf(p);
                here.merge(rule, 1L, Long::sum);
            }
        }
        if (n == 0) {
            return;
        }
        Path z = compressor.write(f, records, segmentsDir, java.util.Arrays.copyOf(offsets, n));
        CompressedSegment c = CompressedSegment.open(f.ordinal(), z, BlockSource.of(z), state.blockCache(), false);
        c.seal(f.offsetFile());
        state.replace(f, c);
        f.close();
        if (!f.path().equals(z)) {
            Files.delete(f.path()); // a plain segment, now compressed
        }
        Segment.forceDirectory(segmentsDir);
        here.forEach(deletions::deleted);
        LOG.info("retention deleted {} events of {}", n, z.getFileName());
    }

    /** The delete rule that expires the event at {@code p}, or null if it stays. */
    private @Nullable RetentionRule expired(long p, RetentionPolicy policy, Instant now) {
        LogState.Stored r = state.readRecord(p);
        if (r.deleted()) {
            return null;
        }
        RecordedEvent e = r.event();
        RetentionRule rule = policy.ruleFor(e.aggregateId(), e.eventType());
        Duration age = rule == null ? null : rule.deleteAfter();
        if (age == null || e.timestamp().isAfter(now.minus(age))) {
            return null;
        }
        // the last event carries the aggregate's version and last timestamp for the append checks
        return state.indexes().aggregateVersion(e.aggregateId()) == e.version() ? null : rule;
    }
}
