package dev.hindsight.loadgen;

import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The simulated future: the next step of every order in progress, ordered by simulated time, plus the arrival of the
 * next new order. An order has at most one step here, and only while none of its commands is running: its next step
 * is scheduled when the previous one completes, so an order's commands never overlap and its events keep their
 * order. Survives from one phase of a run to the next. Thread-safe (one lock).
 */
final class Timeline {
    /** A command due at simulated time {@code due} (µs): the next step of {@code run}. */
    record Step(long due, long seq, OrderRun run) implements Comparable<Step> {
        @Override
        public int compareTo(Step o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final Scenario scenario;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Step> pending = new PriorityQueue<>(); // guarded by lock
    private long seq; // guarded by lock
    private long nextArrival; // guarded by lock
    private long nextOrderIndex; // guarded by lock
    private long arrivalsLeft; // guarded by lock
    private int running; // guarded by lock

    Timeline(Scenario scenario, long startMicros) {
        this.scenario = scenario;
        this.nextArrival = startMicros;
    }

    /**
     * Allows {@code n} more new orders to arrive ({@link Long#MAX_VALUE}: no end), the first not before
     * {@code notBefore} (µs), so that a phase's orders start where the previous phase left the simulated clock.
     */
    void allowArrivals(long n, long notBefore) {
        lock.lock();
        try {
            arrivalsLeft = n;
            nextArrival = Math.max(nextArrival, notBefore);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the earliest due step and counts it as running, waiting while nothing is due but commands are still
     * running (their completion schedules more).
     *
     * @return the step, or {@code null} when nothing is left: no arrivals allowed, nothing pending, nothing running
     * @throws InterruptedException if interrupted while waiting
     */
    @Nullable
    Step take() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                Step head = pending.peek();
                if (arrivalsLeft > 0 && (head == null || nextArrival <= head.due())) {
                    Step arrival = new Step(nextArrival, seq++, scenario.order(nextOrderIndex++));
                    nextArrival += scenario.interArrivalMicros();
                    arrivalsLeft--;
                    running++;
                    return arrival;
                }
                if (head != null) {
                    running++;
                    return pending.poll();
                }
                if (running == 0) {
                    return null;
                }
                changed.await(100, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends a running step; schedules the order's next step at {@code nextDue} unless it is negative (none). */
    void finished(OrderRun run, long nextDue) {
        lock.lock();
        try {
            if (nextDue >= 0) {
                pending.add(new Step(nextDue, seq++, run));
            }
            running--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Orders created so far (arrivals taken). */
    long ordersStarted() {
        lock.lock();
        try {
            return nextOrderIndex;
        } finally {
            lock.unlock();
        }
    }

    /** Orders whose next step is waiting. */
    int pendingOrders() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }
}
