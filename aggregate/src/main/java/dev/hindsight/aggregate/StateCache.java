package dev.hindsight.aggregate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Bounded in-memory map from aggregate id to its most recent known state and version, least recently used out first.
 * Striped: each stripe is a small access-ordered map under its own lock, so concurrent commands on different
 * aggregates rarely contend. A put never replaces a newer version with an older one. Thread-safe.
 */
final class StateCache<S> {
    private static final int STRIPES = 16;

    /** A state after event {@code version}. */
    record Entry<S>(S state, long version) {}

    private final Stripe<S>[] stripes;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    @SuppressWarnings("unchecked")
    StateCache(int capacity) {
        int perStripe = Math.max(1, (capacity + STRIPES - 1) / STRIPES);
        stripes = (Stripe<S>[]) new Stripe<?>[STRIPES];
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe<>(perStripe);
        }
    }

    /** The cached entry, or {@code null} (counted as a miss). */
    @Nullable
    Entry<S> get(String aggregateId) {
        Stripe<S> s = stripe(aggregateId);
        Entry<S> e;
        synchronized (s) {
            e = s.get(aggregateId);
        }
        if (e == null) {
            misses.incrementAndGet();
        }
        return e;
    }

    /** The cached entry, or {@code null}; counts neither a hit nor a miss (the caller counts what it makes of it). */
    @Nullable
    Entry<S> peek(String aggregateId) {
        Stripe<S> s = stripe(aggregateId);
        synchronized (s) {
            return s.get(aggregateId);
        }
    }

    /** Caches {@code state} at {@code version} unless a newer version is cached already. */
    void put(String aggregateId, S state, long version) {
        Stripe<S> s = stripe(aggregateId);
        synchronized (s) {
            Entry<S> old = s.get(aggregateId);
            if (old == null || old.version() < version) {
                s.put(aggregateId, new Entry<>(state, version));
            }
        }
    }

    void remove(String aggregateId) {
        Stripe<S> s = stripe(aggregateId);
        synchronized (s) {
            s.remove(aggregateId);
        }
        misses.incrementAndGet();
    }

    void clear() {
        for (Stripe<S> s : stripes) {
            synchronized (s) {
                s.clear();
            }
        }
    }

    void hit() {
        hits.incrementAndGet();
    }

    long hits() {
        return hits.get();
    }

    long misses() {
        return misses.get();
    }

    /** Number of cached aggregates (for tests). */
    int size() {
        int n = 0;
        for (Stripe<S> s : stripes) {
            synchronized (s) {
                n += s.size();
            }
        }
        return n;
    }

    private Stripe<S> stripe(String aggregateId) {
        int h = aggregateId.hashCode();
        return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }

    /** One access-ordered map evicting its eldest entry beyond its capacity. Guarded by its own monitor. */
    private static final class Stripe<S> extends LinkedHashMap<String, StateCache.Entry<S>> {
        private static final long serialVersionUID = 1L;
        private final int capacity;

        Stripe(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StateCache.Entry<S>> eldest) {
            return size() > capacity;
        }
    }
}
