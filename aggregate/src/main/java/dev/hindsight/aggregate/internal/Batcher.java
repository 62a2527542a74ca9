package dev.hindsight.aggregate.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * Background work in batches: queued items are handed to a consumer on one virtual thread at a time, the first of a
 * batch after waiting {@code linger} for company, then everything queued meanwhile (up to {@code max} per call).
 * Items queued while a batch is being consumed go in the next call without a further wait. Thread-safe.
 *
 * @param <T> the items
 */
public final class Batcher<T> implements AutoCloseable {
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    /**
     * Offers hold the read lock from their shutdown check to their hand-off, {@link #shutdown} the write lock: so no
     * hand-off is refused for a shutdown that came after its check (an item another offer queued meanwhile, seeing
     * {@code draining} set by the refused one, stayed queued for good: neither consumed nor refused).
     */
    private final ReadWriteLock handOff = new ReentrantReadWriteLock();

    private final ExecutorService executor;
    private final Consumer<List<T>> consumer;
    private final long lingerNanos;
    private final int max;

    /**
     * @param consumer takes each batch (in queue order); it must not throw (what it throws, an Error too, is dropped)
     * @param linger how long the first item of a batch waits for others
     * @param max most items per call
     */
    public Batcher(Consumer<List<T>> consumer, Duration linger, int max) {
        this(consumer, linger, max, Executors.newVirtualThreadPerTaskExecutor());
    }

    /** As {@link #Batcher(Consumer, Duration, int)}, the drain loops run by {@code executor} (tests). */
    Batcher(Consumer<List<T>> consumer, Duration linger, int max, ExecutorService executor) {
        if (max < 1 || linger.isNegative()) {
            throw new IllegalArgumentException("max must be >= 1 and linger >= 0");
        }
        this.consumer = consumer;
        this.lingerNanos = linger.toNanos();
        this.max = max;
        this.executor = executor;
    }

    /**
     * Queues an item for the consumer.
     *
     * @return whether it was queued: {@code false} after {@link #shutdown}
     */
    public boolean offer(T item) {
        Lock lock = handOff.readLock();
        lock.lock();
        try {
            if (executor.isShutdown()) {
                return false;
            }
            queue.add(item);
            if (draining.compareAndSet(false, true)) {
                try {
                    executor.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    draining.set(false);
                    return !queue.remove(item);
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The drain loop: one at a time ({@code draining}); ends when the queue is empty. */
    private void drain() {
        while (true) {
            if (lingerNanos > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(lingerNanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // closing: hand over what is queued now
                }
            }
            for (List<T> batch = take(); !batch.isEmpty(); batch = take()) {
                try {
                    consumer.accept(batch);
                } catch (RuntimeException | Error ignored) {
                    // the consumer's to report; the next batch still runs (an Error too: ending this loop with
                    // `draining` set would leave every later item queued for good)
                }
            }
            draining.set(false);
            // an item queued after the last take, whose offer saw `draining` still set, is this loop's to take
            if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private List<T> take() {
        List<T> batch = new ArrayList<>();
        for (T t = batch.size() < max ? queue.poll() : null; t != null; t = batch.size() < max ? queue.poll() : null) {
            batch.add(t);
        }
        return batch;
    }

    /** Takes no more items and waits (up to {@code timeout}) until the queued ones are consumed. */
    public boolean shutdown(Duration timeout) throws InterruptedException {
        Lock lock = handOff.writeLock();
        lock.lockInterruptibly();
        try {
            executor.shutdown();
        } finally {
            lock.unlock();
        }
        return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Takes no more items and waits up to {@code grace} until the queued ones are consumed; if they are not, interrupts
     * the consumer and drops what is still queued.
     *
     * @return -1 if everything queued was consumed in time, else the number of queued items dropped (not counting the
     *     batch the consumer was interrupted in)
     */
    public int close(Duration grace) {
        try {
            if (shutdown(grace)) {
                return -1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int dropped = 0;
        while (queue.poll() != null) {
            dropped++;
        }
        executor.shutdownNow();
        return dropped;
    }

    /** Takes no more items; waits until the queued ones are consumed. */
    @Override
    public void close() {
        Lock lock = handOff.writeLock();
        lock.lock();
        try {
            executor.shutdown();
        } finally {
            lock.unlock();
        }
        executor.close();
    }
}
