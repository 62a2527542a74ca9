package dev.hindsight.loadgen;

import dev.hindsight.store.file.FsyncPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a load-generator run does. Immutable; build with {@link #builder()}.
 *
 * @param dataDir the embedded store's data directory (with {@code url}: only measured for bytes on disk, if given)
 * @param url a running server to drive over HTTP instead of an embedded store
 * @param fsync the embedded store's fsync policy
 * @param segmentBytes the embedded store's segment size (0: the file engine's default)
 * @param days fill phase: this many simulated days of the scenario, every order's lifecycle completed (0: none)
 * @param fillRate the fill phase's rate in events/s; 0 for as fast as possible
 * @param duration measure phase: how long to write at {@code rate} with reads beside (zero: none)
 * @param warmup before the measure phase, run its load this long without measuring (JIT, caches, connections)
 * @param rate the measure phase's rate in events/s; 0 for as fast as possible
 * @param ordersPerDay simulated order arrivals per day
 * @param users size of the customer base
 * @param concurrency most commands in flight
 * @param readRate reads per second in the measure phase (0: none)
 * @param seed seeds the scenario (everything but order ids)
 * @param start simulated start time; {@code null}: after the store's last event, or {@code days} before today's
 *     midnight (UTC) for an empty store
 * @param verifyOrders after the run, load at most this many of the run's orders (a random sample) and check them
 * @param http the token and TLS trust for {@code url}
 */
public record LoadGenOptions(
        @Nullable Path dataDir,
        @Nullable URI url,
        FsyncPolicy fsync,
        long segmentBytes,
        int days,
        double fillRate,
        Duration duration,
        Duration warmup,
        double rate,
        long ordersPerDay,
        int users,
        int concurrency,
        double readRate,
        long seed,
        @Nullable Instant start,
        int verifyOrders,
        HttpAccess http) {

    public LoadGenOptions {
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(fsync, "fsync");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(warmup, "warmup");
        if (dataDir == null && url == null) {
            throw new IllegalArgumentException("give a data directory or a server URL");
        }
        if (segmentBytes < 0) {
            throw new IllegalArgumentException("segmentBytes must not be negative");
        }
        if (days < 0 || fillRate < 0 || rate < 0 || readRate < 0 || duration.isNegative() || warmup.isNegative()) {
            throw new IllegalArgumentException("days, rates and duration must not be negative");
        }
        if (ordersPerDay < 1 || users < 1 || concurrency < 1 || verifyOrders < 0) {
            throw new IllegalArgumentException("ordersPerDay, users and concurrency must be >= 1");
        }
        if (days == 0 && duration.isZero()) {
            throw new IllegalArgumentException("nothing to do: give days to fill, a duration to measure, or both");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures {@link LoadGenOptions}; the defaults are the seed's scenario at its peak rate for 60 s. */
    public static final class Builder {
        private @Nullable Path dataDir;
        private @Nullable URI url;
        private HttpAccess http = HttpAccess.NONE;
        private FsyncPolicy fsync = FsyncPolicy.ALWAYS;
        private long segmentBytes;
        private int days;
        private double fillRate;
        private @Nullable Duration duration;
        private Duration warmup = Duration.ofSeconds(30);
        private double rate = 1000;
        private long ordersPerDay = 100_000;
        private int users = 200_000;
        private int concurrency = 256;
        private double readRate = 300;
        private long seed = 42;
        private @Nullable Instant start;
        private int verifyOrders = 100_000;

        private Builder() {}

        public Builder dataDir(@Nullable Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Token and TLS trust for the server at {@link #url}; default none and the JVM's trust. */
        public Builder http(HttpAccess http) {
            this.http = Objects.requireNonNull(http);
            return this;
        }

        public Builder url(@Nullable URI url) {
            this.url = url;
            return this;
        }

        public Builder fsync(FsyncPolicy fsync) {
            this.fsync = fsync;
            return this;
        }

        /** The embedded store's segment size; 0 (the default) for the file engine's. */
        public Builder segmentBytes(long bytes) {
            this.segmentBytes = bytes;
            return this;
        }

        public Builder days(int days) {
            this.days = days;
            return this;
        }

        /** Events/s of the fill phase; 0 (the default) for as fast as possible. */
        public Builder fillRate(double eventsPerSecond) {
            this.fillRate = eventsPerSecond;
            return this;
        }

        /** Length of the measure phase; default 60 s, or none when {@link #days} are filled. */
        public Builder duration(@Nullable Duration duration) {
            this.duration = duration;
            return this;
        }

        /** Unmeasured run of the measure phase's load before it (JIT, caches, connections); default 30 s. */
        public Builder warmup(Duration warmup) {
            this.warmup = warmup;
            return this;
        }

        /** Events/s of the measure phase; default 1,000 (the seed's peak); 0 for as fast as possible. */
        public Builder rate(double eventsPerSecond) {
            this.rate = eventsPerSecond;
            return this;
        }

        public Builder ordersPerDay(long n) {
            this.ordersPerDay = n;
            return this;
        }

        public Builder users(int n) {
            this.users = n;
            return this;
        }

        public Builder concurrency(int n) {
            this.concurrency = n;
            return this;
        }

        public Builder readRate(double perSecond) {
            this.readRate = perSecond;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder start(@Nullable Instant start) {
            this.start = start;
            return this;
        }

        public Builder verifyOrders(int n) {
            this.verifyOrders = n;
            return this;
        }

        public LoadGenOptions build() {
            Duration d = duration != null ? duration : days > 0 ? Duration.ZERO : Duration.ofSeconds(60);
            return new LoadGenOptions(
                    dataDir,
                    url,
                    fsync,
                    segmentBytes,
                    days,
                    fillRate,
                    d,
                    warmup,
                    rate,
                    ordersPerDay,
                    users,
                    concurrency,
                    readRate,
                    seed,
                    start,
                    verifyOrders,
                    http);
        }
    }
}
