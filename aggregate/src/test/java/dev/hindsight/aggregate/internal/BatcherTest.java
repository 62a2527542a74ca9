package dev.hindsight.aggregate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BatcherTest {
    @Test
    void itemsQueuedWithinTheLinger_goInOneCall_inOrder() throws Exception {
        List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
        Batcher<Integer> b = new Batcher<>(calls::add, Duration.ofMillis(200), 100);
        for (int i = 0; i < 5; i++) {
            assertThat(b.offer(i)).isTrue();
        }

        assertThat(b.shutdown(Duration.ofSeconds(10))).isTrue();

        assertThat(calls).containsExactly(List.of(0, 1, 2, 3, 4));
    }

    @Test
    void atMostMaxPerCall_andNothingLost() throws Exception {
        List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
        Batcher<Integer> b = new Batcher<>(calls::add, Duration.ofMillis(100), 3);
        for (int i = 0; i < 8; i++) {
            b.offer(i);
        }

        b.shutdown(Duration.ofSeconds(10));

        assertThat(calls).containsExactly(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6, 7));
    }

    @Test
    void itemsQueuedWhileABatchIsConsumed_goInTheNextCall() throws Exception {
        List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Batcher<Integer> b = new Batcher<>(
                batch -> {
                    calls.add(batch);
                    inFirst.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                Duration.ZERO,
                100);
        b.offer(1);
        assertThat(inFirst.await(10, TimeUnit.SECONDS)).isTrue();
        b.offer(2);
        b.offer(3);
        release.countDown();

        b.shutdown(Duration.ofSeconds(10));

        assertThat(calls).containsExactly(List.of(1), List.of(2, 3));
    }

    @Test
    void afterShutdown_offersAreRefused_andAThrowingConsumerStopsNothing() throws Exception {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        Batcher<Integer> b = new Batcher<>(
                batch -> {
                    seen.addAll(batch);
                    throw new IllegalStateException("boom");
                },
                Duration.ZERO,
                1);
        b.offer(1);
        b.offer(2);
        assertThat(b.shutdown(Duration.ofSeconds(10))).isTrue();

        assertThat(b.offer(3)).isFalse();
        assertThat(seen).containsExactly(1, 2);
    }

    @Test
    void aConsumerThatThrowsAnError_doesNotStopLaterBatches() throws Exception {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        Batcher<Integer> b = new Batcher<>(
                batch -> {
                    seen.addAll(batch);
                    if (batch.contains(1)) {
                        throw new AssertionError("boom");
                    }
                },
                Duration.ZERO,
                10);
        b.offer(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!seen.contains(1) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50); // the first drain has thrown and ended
        b.offer(2);
        assertThat(b.shutdown(Duration.ofSeconds(10))).isTrue();

        assertThat(seen).containsExactly(1, 2);
    }

    @Test
    void anItemQueuedWhileAnotherOffersHandOffMeetsTheShutdown_isConsumedOrRefused() throws Exception {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch inHandOff = new CountDownLatch(1);
        CountDownLatch resumeHandOff = new CountDownLatch(1);
        CountDownLatch shutdownCalled = new CountDownLatch(1);
        // the first hand-off stops until the test lets it go on, as a thread descheduled there would
        ExecutorService executor = new SlowFirstHandOff(inHandOff, resumeHandOff, shutdownCalled);
        Batcher<Integer> b = new Batcher<>(seen::addAll, Duration.ZERO, 10, executor);

        AtomicBoolean firstQueued = new AtomicBoolean();
        Thread first = Thread.ofPlatform().start(() -> firstQueued.set(b.offer(1)));
        assertThat(inHandOff.await(10, TimeUnit.SECONDS)).isTrue();
        boolean secondQueued = b.offer(2); // sees `draining` set by the first offer
        boolean[] shutdownDone = new boolean[1];
        Thread closing = Thread.ofPlatform().start(() -> {
            try {
                shutdownDone[0] = b.shutdown(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // the shutdown goes as far as it can before the first hand-off goes on
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (shutdownCalled.getCount() > 0
                && closing.getState() != Thread.State.WAITING
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        resumeHandOff.countDown();
        first.join(10_000);
        closing.join(10_000);

        assertThat(shutdownDone[0]).isTrue();
        List<Integer> queued = new ArrayList<>();
        if (firstQueued.get()) {
            queued.add(1);
        }
        if (secondQueued) {
            queued.add(2);
        }
        // every item an offer queued is consumed by the time the shutdown returns
        assertThat(seen).containsExactlyElementsOf(queued);
    }

    /** Virtual threads; the first {@code execute} waits for {@code resume}; {@code shutdown} is signalled. */
    private static final class SlowFirstHandOff extends AbstractExecutorService {
        private final ExecutorService delegate = Executors.newVirtualThreadPerTaskExecutor();
        private final CountDownLatch entered;
        private final CountDownLatch resume;
        private final CountDownLatch shutdownCalled;

        SlowFirstHandOff(CountDownLatch entered, CountDownLatch resume, CountDownLatch shutdownCalled) {
            this.entered = entered;
            this.resume = resume;
            this.shutdownCalled = shutdownCalled;
        }

        @Override
        public void execute(Runnable command) {
            if (entered.getCount() > 0) {
                entered.countDown();
                try {
                    resume.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            delegate.execute(command);
        }

        @Override
        public void shutdown() {
            delegate.shutdown();
            shutdownCalled.countDown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdownCalled.countDown();
            return delegate.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return delegate.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return delegate.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return delegate.awaitTermination(timeout, unit);
        }
    }
}
