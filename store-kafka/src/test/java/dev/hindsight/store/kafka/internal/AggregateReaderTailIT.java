package dev.hindsight.store.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.KafkaTestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An aggregate's tail looked up in the index runs (its events are no longer in the memtable) while the indexer indexes
 * a newer event of it and flushes that into a run: the lookup answers what it read, but it must not remember that
 * older tail, or every later lookup on this node (the expected-version check, once the node owns the partition) trusts
 * a version the aggregate is already past.
 */
class AggregateReaderTailIT {
    private static final String TOPIC = "tail-race";

    @TempDir
    static Path dir;

    @Test
    void tailLookedUpWhileANewerEventIsIndexedAndFlushed_isNotRememberedStale() throws Exception {
        KafkaTestCluster cluster = KafkaTestCluster.shared();
        KafkaOptions options = TopicSetup.ensureTopic(
                KafkaOptions.defaults(cluster.bootstrapServers(), TOPIC, dir.resolve("node"))
                        .withTopicLayout(1, 1, 1),
                "tail-race-test");
        String aggregate = "acct-1";
        Instant now = Instant.now();
        long[] offsets = new long[7];
        UUID[] ids = new UUID[7];
        Map<String, Object> config = new HashMap<>(cluster.clientConfig());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int v = 1; v <= 6; v++) {
                ids[v] = UUID.randomUUID();
                ProposedEvent e = new ProposedEvent(
                        ids[v], aggregate, "Deposited", 1, "{}", "{\"timestamp\":\"" + now + "\"}", now, false);
                offsets[v] = producer.send(RecordCodec.encode(TOPIC, 0, e, v, now))
                        .get()
                        .offset();
            }
        }
        try (PartitionIndex index = PartitionIndex.open(dir.resolve("index"), 0, 1_000_000);
                RecordFetcher fetcher = new RecordFetcher(options, "tail-race-test", 1)) {
            for (int v = 1; v <= 5; v++) {
                index.add(offsets[v], aggregate, ids[v], v, now);
            }
            index.flush(); // versions 1-5 are in a run, none in the memtable
            // no cache: the lookup fetches the record its run hit points to
            AggregateReader reader =
                    new AggregateReader(List.of(index), fetcher, new RecordCache(0, new long[1], 0), 1);

            // the fetcher's one consumer is busy, so the lookup waits for it after it has looked at the runs
            CountDownLatch borrowed = new CountDownLatch(1);
            CountDownLatch giveBack = new CountDownLatch(1);
            Thread other = Thread.ofPlatform()
                    .start(() -> fetcher.with(c -> {
                        borrowed.countDown();
                        try {
                            giveBack.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return null;
                    }));
            borrowed.await();
            AtomicReference<PartitionIndex.Tail> looked = new AtomicReference<>();
            Thread lookup = Thread.ofPlatform().start(() -> looked.set(reader.tail(0, aggregate)));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Arrays.stream(lookup.getStackTrace())
                    .noneMatch(f -> f.getMethodName().equals("with"))) {
                assertThat(System.nanoTime()).as("lookup waits for the fetcher").isLessThan(deadline);
                Thread.sleep(1);
            }
            Thread.sleep(50);

            // meanwhile the indexer indexes version 6 and flushes it into a run
            index.add(offsets[6], aggregate, ids[6], 6, now);
            index.flush();

            giveBack.countDown();
            lookup.join();
            other.join();
            assertThat(looked.get().version())
                    .as("the lookup that started before version 6")
                    .isEqualTo(5);
            assertThat(reader.tail(0, aggregate).version())
                    .as("a lookup after version 6 is indexed")
                    .isEqualTo(6);
        }
    }
}
