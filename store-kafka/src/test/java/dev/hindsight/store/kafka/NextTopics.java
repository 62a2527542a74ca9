package dev.hindsight.store.kafka;

import dev.hindsight.store.kafka.internal.TopicSetup;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Fresh topics for the conformance suites, one per test, each created while the test before it runs: the engine's own
 * {@link TopicSetup} creates it on a background thread and waits for its leaders (on three brokers 60-110 ms of every
 * test on the 2-core box), so a test opens its store on a topic that exists, as any store opened after its first
 * start does; the engine's open still checks the topic and takes its partition count. Not thread-safe: the JUnit
 * thread takes the topics.
 */
final class NextTopics implements AutoCloseable {
    private final AtomicInteger count = new AtomicInteger();
    private final String prefix;
    private final Function<String, KafkaOptions> options;
    private final ExecutorService creator = Executors.newSingleThreadExecutor();
    private Future<KafkaOptions> next;

    /**
     * @param prefix topic names are {@code prefix1}, {@code prefix2}, …
     * @param options the store's options for a topic name
     */
    NextTopics(String prefix, Function<String, KafkaOptions> options) {
        this.prefix = prefix;
        this.options = options;
        this.next = createNext();
    }

    /** The options of a new, empty topic; starts creating the one after it. */
    KafkaOptions take() throws Exception {
        KafkaOptions taken = next.get(60, TimeUnit.SECONDS);
        next = createNext();
        return taken;
    }

    private Future<KafkaOptions> createNext() {
        KafkaOptions o = options.apply(prefix + count.incrementAndGet());
        return creator.submit(() -> {
            TopicSetup.ensureTopic(o, prefix + "next-topic");
            return o;
        });
    }

    /** Stops creating topics (before the cluster closes); the last one created is left unused. */
    @Override
    public void close() {
        creator.shutdownNow();
        try {
            creator.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
