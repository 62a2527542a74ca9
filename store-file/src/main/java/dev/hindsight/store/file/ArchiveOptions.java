package dev.hindsight.store.file;

import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.spi.ObjectStore;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and when a file log archives its sealed segments.
 *
 * @param store the object store (S3, an S3-compatible server, a directory)
 * @param after a sealed segment is archived once its newest event is older than this ({@link Duration#ZERO}: as soon
 *     as it is sealed and compressed)
 * @param checkInterval how often the archiver looks for segments to archive
 * @param cacheBytes most bytes of local copies of recently read archived segments in {@code <data-dir>/archive-cache}
 *     (0: none; archived reads always go to the object store)
 * @param retention per-prefix or per-type archive ages that override {@code after} (ADR 0017): a segment is archived
 *     once every event in it is past the archive age its rule gives, and an event of a delete rule only once it is
 *     deleted (or protected as its aggregate's last event and past its delete age)
 */
public record ArchiveOptions(
        ObjectStore store, Duration after, Duration checkInterval, long cacheBytes, RetentionPolicy retention) {
    /** Default budget of the local copies of read archived segments: 1 GiB. */
    public static final long DEFAULT_CACHE_BYTES = 1L << 30;

    public ArchiveOptions(ObjectStore store, Duration after, Duration checkInterval) {
        this(store, after, checkInterval, DEFAULT_CACHE_BYTES);
    }

    public ArchiveOptions(ObjectStore store, Duration after, Duration checkInterval, long cacheBytes) {
        this(store, after, checkInterval, cacheBytes, RetentionPolicy.NONE);
    }

    public ArchiveOptions {
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("the archive cache size must not be negative");
        }
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(checkInterval, "checkInterval");
        Objects.requireNonNull(retention, "retention");
        if (after.isNegative()) {
            throw new IllegalArgumentException("archive-after must not be negative");
        }
        if (checkInterval.isNegative() || checkInterval.isZero()) {
            throw new IllegalArgumentException("checkInterval must be positive");
        }
    }

    /** Archive after {@code after}, checking every tenth of it, between once a second and every 10 seconds. */
    public static ArchiveOptions of(ObjectStore store, Duration after) {
        Duration tenth = after.dividedBy(10);
        Duration interval = tenth.compareTo(Duration.ofSeconds(1)) < 0
                ? Duration.ofSeconds(1)
                : tenth.compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : tenth;
        return new ArchiveOptions(store, after, interval);
    }

    /** The same with another budget for local copies of read archived segments (0: none). */
    public ArchiveOptions withCacheBytes(long bytes) {
        return new ArchiveOptions(store, after, checkInterval, bytes, retention);
    }

    /** The same with per-prefix or per-type archive ages from {@code policy}. */
    public ArchiveOptions withRetention(RetentionPolicy policy) {
        return new ArchiveOptions(store, after, checkInterval, cacheBytes, policy);
    }
}
