package dev.hindsight.server.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (an API token's name): {@code perSecond} requests a second on average, bursts up to one
 * second's worth. Buckets are tiny and bounded by the number of tokens defined. Thread-safe.
 */
public final class RateLimiter {
    private final double perSecond;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(double perSecond) {
        this(perSecond, System::nanoTime);
    }

    RateLimiter(double perSecond, LongSupplier nanoTime) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("rate limit must be positive, was " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanoTime = nanoTime;
    }

    /** Takes one request from {@code key}'s bucket: 0 if allowed, else the nanoseconds until one would be. */
    public long acquire(String key) {
        return buckets.computeIfAbsent(key, k -> new Bucket(nanoTime.getAsLong()))
                .acquire();
    }

    /** One key's bucket; {@code available} and {@code last} are guarded by {@code this}. */
    private final class Bucket {
        private double available;
        private long last;

        Bucket(long now) {
            this.available = burst();
            this.last = now;
        }

        private double burst() {
            return Math.max(1, perSecond);
        }

        synchronized long acquire() {
            long now = nanoTime.getAsLong();
            available = Math.min(burst(), available + (now - last) * perSecond / 1e9);
            last = now;
            if (available >= 1) {
                available -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - available) / perSecond * 1e9);
        }
    }
}
