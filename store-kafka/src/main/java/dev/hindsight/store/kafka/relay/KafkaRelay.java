package dev.hindsight.store.kafka.relay;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.CheckpointStore;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.store.kafka.internal.RecordCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox relay: follows a store's global log and publishes every committed event to a Kafka topic in the Kafka
 * engine's record format (key = aggregate id, value = the event JSON, headers {@code event_type}, {@code version},
 * {@code event_id}), so any Kafka consumer sees each aggregate's events in order.
 *
 * <p>Delivery is at least once, in log order: batches of the log are sent in order by one idempotent producer
 * ({@code acks=all}; up to {@value #MAX_IN_FLIGHT} batches in flight, which the producer keeps in order per
 * partition), and the checkpoint (in the store's own {@link CheckpointStore}) moves past a batch only once the broker
 * acknowledged every record of it and of the batches before it. A crash between the acknowledgement and the checkpoint re-publishes that batch: consumers de-duplicate by the
 * {@code event_id} header. After a failure the relay drops its producer, waits, and resumes from the checkpoint.
 *
 * <p>Thread-safe: one background thread publishes; {@link #status()} may be called from any thread.
 */
public final class KafkaRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);
    private static final int BATCH = 2000;
    private static final int MAX_IN_FLIGHT = 4;
    /** The most unpublished events {@link #status()} counts. */
    public static final int LAG_COUNT_CAP = 10_000;

    private static final Duration CHECKPOINT_EVERY = Duration.ofMillis(50);
    private static final Duration RETRY_WAIT = Duration.ofSeconds(1);

    private final EventLog log;
    private final CheckpointStore checkpoints;
    private final RelayTarget target;
    private final Clock clock;
    private final LongConsumer publishLatencyMillis;
    private final String checkpointName;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Position published;
    private volatile long publishedEvents;
    private volatile @Nullable String lastError;
    private @Nullable KafkaProducer<byte[], byte[]> producer; // publisher thread only
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>(); // publisher thread only
    private Position sent; // publisher thread only: the end of the last batch sent
    private final CheckpointSaver saver;

    private KafkaRelay(
            EventLog log, CheckpointStore checkpoints, RelayTarget target, Clock clock, LongConsumer latency) {
        this.log = log;
        this.checkpoints = checkpoints;
        this.target = target;
        this.clock = clock;
        this.publishLatencyMillis = latency;
        this.checkpointName = checkpointName(target);
        this.published = checkpoints.load(checkpointName).orElse(log.start());
        this.sent = published;
        this.saver = new CheckpointSaver(checkpoints, checkpointName, published, CHECKPOINT_EVERY);
        this.thread = Thread.ofPlatform().name("hindsight-relay").daemon().unstarted(this::run);
    }

    /**
     * Starts relaying {@code log} to {@code target}, creating the topic (with the brokers' default partitions and
     * replication) if it does not exist.
     *
     * @param publishLatencyMillis told, for each acknowledged event, the milliseconds from its {@code recorded_at} to
     *     the acknowledgement (for a metric)
     */
    public static KafkaRelay start(
            EventLog log,
            CheckpointStore checkpoints,
            RelayTarget target,
            Clock clock,
            LongConsumer publishLatencyMillis) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(checkpoints, "checkpoints");
        Objects.requireNonNull(target, "target");
        KafkaRelay relay = new KafkaRelay(log, checkpoints, target, clock, publishLatencyMillis);
        relay.thread.start();
        return relay;
    }

    /** The checkpoint name of a relay to {@code target}: {@code kafka-relay:<topic>}. */
    public static String checkpointName(RelayTarget target) {
        return "kafka-relay:" + target.topic();
    }

    /**
     * What the relay has published and how far behind it is.
     *
     * @param target where it publishes
     * @param published every event up to it is acknowledged by the broker (the checkpoint follows within 50 ms)
     * @param publishedEvents events acknowledged since this process started
     * @param lagEvents committed events not yet acknowledged, at most {@value #LAG_COUNT_CAP}
     * @param lagMillis age of the oldest committed event not yet acknowledged, 0 when caught up
     * @param lastError the last failure, until a batch succeeds again
     */
    public record Status(
            RelayTarget target,
            Position published,
            long publishedEvents,
            long lagEvents,
            long lagMillis,
            @Nullable String lastError) {}

    /**
     * The current status. Counting the lag reads the unpublished events (positions of some engines, PostgreSQL's, are
     * not event counts), so it is capped at {@value #LAG_COUNT_CAP}.
     */
    public Status status() {
        Position p = published;
        long lagEvents = 0;
        long lagMillis = 0;
        if (!log.head().equals(p)) {
            List<RecordedEvent> pending =
                    log.readAll(p, LAG_COUNT_CAP, EventFilter.ALL).events();
            lagEvents = pending.size();
            if (!pending.isEmpty()) {
                lagMillis = Math.max(
                        0, clock.millis() - pending.getFirst().recordedAt().toEpochMilli());
            }
        }
        return new Status(target, p, publishedEvents, lagEvents, lagMillis, lastError);
    }

    private void run() {
        ensureTopic();
        while (running) {
            try {
                publishOnce();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | ExecutionException | java.util.concurrent.TimeoutException e) {
                if (!running) {
                    break;
                }
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                lastError = cause.toString();
                LOG.warn("relay to {} failed, retrying from the checkpoint: {}", target, cause.toString());
                closeProducer();
                inFlight.clear();
                published = checkpoints.load(checkpointName).orElse(log.start());
                sent = published;
                sleep(RETRY_WAIT);
            }
        }
        // close() interrupts a wait; the producer's own close must not see that interrupt
        Thread.interrupted();
        saver.request(published);
        saver.close(); // saves the last acknowledged position (a failure is logged: the next start publishes it again)
        closeProducer();
    }

    /** A sent batch awaiting the broker's acknowledgements. */
    private record InFlight(List<Future<RecordMetadata>> acks, List<RecordedEvent> events, Position next) {}

    /**
     * One step: sends the next batch while earlier ones are in flight (at most {@value #MAX_IN_FLIGHT}), or waits for
     * the oldest one, or for new events; then moves the checkpoint past every batch acknowledged in full, in order.
     */
    private void publishOnce() throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            awaitOldest();
        } else {
            GlobalSlice slice = log.readAll(sent, BATCH, EventFilter.ALL);
            if (slice.events().isEmpty()) {
                if (inFlight.isEmpty()) {
                    saver.request(published);
                    log.awaitAfter(sent, CHECKPOINT_EVERY);
                } else {
                    awaitOldest();
                }
            } else {
                KafkaProducer<byte[], byte[]> p = producer();
                List<Future<RecordMetadata>> acks =
                        new ArrayList<>(slice.events().size());
                for (RecordedEvent e : slice.events()) {
                    acks.add(p.send(RecordCodec.encode(target.topic(), e)));
                }
                inFlight.addLast(new InFlight(acks, slice.events(), slice.next()));
                sent = slice.next();
            }
        }
        completeAcknowledged();
    }

    private void awaitOldest() throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        InFlight oldest = inFlight.peekFirst();
        if (oldest != null) {
            producer().flush();
            for (Future<RecordMetadata> f : oldest.acks()) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Moves the checkpoint past the leading batches whose every record is acknowledged. */
    private void completeAcknowledged() throws InterruptedException, ExecutionException {
        Position done = null;
        long count = 0;
        long now = clock.millis();
        while (!inFlight.isEmpty() && inFlight.peekFirst().acks().stream().allMatch(Future::isDone)) {
            InFlight b = inFlight.removeFirst();
            for (Future<RecordMetadata> f : b.acks()) {
                f.get(); // throws if the broker refused it
            }
            for (RecordedEvent e : b.events()) {
                publishLatencyMillis.accept(Math.max(0, now - e.recordedAt().toEpochMilli()));
            }
            done = b.next();
            count += b.events().size();
        }
        if (done != null) {
            published = done;
            publishedEvents += count;
            lastError = null;
            // only acknowledged positions ever get here; saved in the background at most every CHECKPOINT_EVERY
            // (each save is a durable write: a save per small batch held the relay back at 10,000 events/s)
            saver.request(done);
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        KafkaProducer<byte[], byte[]> p = producer;
        if (p == null) {
            Map<String, Object> c = new HashMap<>();
            c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers());
            c.put(CommonClientConfigs.CLIENT_ID_CONFIG, "hindsight-relay-" + target.topic());
            c.put(ProducerConfig.ACKS_CONFIG, "all");
            c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
            c.put(ProducerConfig.LINGER_MS_CONFIG, 2);
            c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
            c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
            p = new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
            producer = p;
        }
        return p;
    }

    private void ensureTopic() {
        Map<String, Object> c = Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                target.bootstrapServers(),
                CommonClientConfigs.CLIENT_ID_CONFIG,
                "hindsight-relay-admin");
        try (Admin admin = Admin.create(c)) {
            admin.createTopics(List.of(new NewTopic(target.topic(), Optional.empty(), Optional.empty())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            LOG.info("created topic {} for the relay", target.topic());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warn(
                        "cannot create topic {} (publishing anyway): {}", target.topic(), String.valueOf(e.getCause()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | java.util.concurrent.TimeoutException e) {
            LOG.warn("cannot create topic {} (publishing anyway): {}", target.topic(), e.toString());
        }
    }

    private void closeProducer() {
        KafkaProducer<byte[], byte[]> p = producer;
        producer = null;
        if (p != null) {
            p.close(Duration.ofSeconds(5));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops publishing: the batch in flight finishes or is abandoned (it is published again after a restart), then
     * the producer closes. Does not close the log or the checkpoint store.
     */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
