package dev.hindsight.cli;

import dev.hindsight.store.kafka.PartitionListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-model process's answer to the group moving partitions ({@link PartitionListener}): claims and starts what
 * it is given, stops what is taken away, and keeps claiming what it could not claim (the read model unreachable, a
 * failed claim statement) in the background, with a growing pause (up to {@code maxDelay}), until the claim succeeds
 * or the group takes the partitions away. Before, partitions whose claim failed five times in a row stayed idle on
 * their holder until the next rebalance. Claims, retries and revocations are serialized, so a retry never claims a
 * partition already taken away (which would fence its next holder). Thread-safe.
 */
final class PartitionClaims implements PartitionListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionClaims.class);

    /** What claims and releases partitions: the projection engine of the process. */
    interface Target {
        /** Claims {@code partitions} and applies them; throws if a claim fails. */
        void assign(Collection<Integer> partitions);

        /** Stops applying {@code partitions}. */
        void revoke(Collection<Integer> partitions);
    }

    private final Target target;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private final ScheduledExecutorService retries;
    private final TreeSet<Integer> pending = new TreeSet<>(); // guarded by this
    private Duration delay; // guarded by this
    private boolean scheduled; // guarded by this

    PartitionClaims(Target target, Duration firstDelay, Duration maxDelay) {
        this.target = target;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
        this.delay = firstDelay;
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "partition-claim-retries");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public synchronized void assigned(List<Integer> partitions) {
        try {
            target.assign(partitions);
        } catch (RuntimeException e) {
            pending.addAll(partitions);
            LOG.warn("cannot claim partitions {} ({}); retrying in {} ms", partitions, e, delay.toMillis());
            schedule();
        }
    }

    @Override
    public synchronized void revoked(List<Integer> partitions) {
        pending.removeAll(partitions);
        target.revoke(partitions);
    }

    /** Partitions given to this process whose claim has not succeeded yet, ascending. */
    synchronized List<Integer> pending() {
        return List.copyOf(pending);
    }

    private void schedule() {
        if (scheduled || retries.isShutdown()) {
            return;
        }
        scheduled = true;
        retries.schedule(this::retry, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void retry() {
        scheduled = false;
        if (pending.isEmpty()) {
            delay = firstDelay;
            return;
        }
        List<Integer> claim = new ArrayList<>(pending);
        try {
            target.assign(claim);
            pending.removeAll(claim);
            delay = firstDelay;
            LOG.info("claimed partitions {} after retrying", claim);
        } catch (RuntimeException e) {
            Duration doubled = delay.multipliedBy(2);
            delay = doubled.compareTo(maxDelay) > 0 ? maxDelay : doubled;
            LOG.warn("cannot claim partitions {} ({}); retrying in {} ms", claim, e, delay.toMillis());
            schedule();
        }
    }

    /** Stops retrying (the caller stops the engine). */
    @Override
    public void close() {
        retries.shutdownNow();
    }
}
