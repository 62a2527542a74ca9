package dev.hindsight.store.kafka.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide counters of the Kafka writers' transactions, for benchmarks and diagnostics: how many transactions
 * committed, how many appends and events they carried (so the batch size group commit reached), and the time spent
 * sending (until every record of a batch was acknowledged) and committing. Thread-safe (adders).
 */
public final class WriterStats {
    private static final LongAdder TRANSACTIONS = new LongAdder();
    private static final LongAdder REQUESTS = new LongAdder();
    private static final LongAdder EVENTS = new LongAdder();
    private static final LongAdder SEND_NANOS = new LongAdder();
    private static final LongAdder COMMIT_NANOS = new LongAdder();
    /** Transactional producers created (each then initializes its transactions: a round trip, an epoch bump). */
    private static final LongAdder PRODUCERS = new LongAdder();

    private WriterStats() {}

    static void committed(int requests, int events, long sendNanos, long commitNanos) {
        TRANSACTIONS.increment();
        REQUESTS.add(requests);
        EVENTS.add(events);
        SEND_NANOS.add(sendNanos);
        COMMIT_NANOS.add(commitNanos);
    }

    static void producerCreated() {
        PRODUCERS.increment();
    }

    /** Transactional producers the writers (and fencers) of this process have created, since it started. */
    public static long producersCreated() {
        return PRODUCERS.sum();
    }

    /** Counters since the last reset: transactions, appends, events, send ms, commit ms. */
    public static long[] snapshotAndReset() {
        return new long[] {
            TRANSACTIONS.sumThenReset(),
            REQUESTS.sumThenReset(),
            EVENTS.sumThenReset(),
            SEND_NANOS.sumThenReset() / 1_000_000,
            COMMIT_NANOS.sumThenReset() / 1_000_000
        };
    }

    static int events(java.util.List<AppendRequest> requests) {
        int n = 0;
        for (AppendRequest r : requests) {
            n += r.accepted.size();
        }
        return n;
    }
}
