package dev.hindsight.relay;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.CheckpointStore;
import dev.hindsight.core.spi.EventLog;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox relay: follows a store's global log and publishes every committed event to a message queue through a
 * {@link RelaySink} (a Kafka topic in the Kafka engine's record format, a RabbitMQ stream), so any consumer sees each
 * aggregate's events in order.
 *
 * <p>Delivery is at least once, in log order: batches of the log are sent in order through one sink (up to
 * {@value #MAX_IN_FLIGHT} batches in flight, which the sink keeps in order), and the checkpoint (in the store's own
 * {@link CheckpointStore}) moves past a batch only once the broker acknowledged every event of it and of the batches
 * before it. A crash between the acknowledgement and the checkpoint re-publishes that batch: consumers de-duplicate by
 * the event id. After a failure the relay closes its sink, waits, and resumes after the last acknowledged batch (where
 * the checkpoint is or is about to be) with a new one. A batch the broker has not acknowledged in full within 30 s is
 * such a failure (its error names the target and the first event still unacknowledged), and so is a sink telling,
 * while the relay waits, that its acknowledgements will never come ({@link RelaySink#verify}).
 *
 * <p>Thread-safe: one background thread publishes; {@link #status()} may be called from any thread.
 */
public final class OutboxRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final int BATCH = 2000;
    private static final int MAX_IN_FLIGHT = 4;
    /** The most unpublished events {@link #status()} counts. */
    public static final int LAG_COUNT_CAP = 10_000;

    private static final Duration CHECKPOINT_EVERY = Duration.ofMillis(50);
    private static final Duration RETRY_WAIT = Duration.ofSeconds(1);
    /** How long the relay waits for the broker to acknowledge the oldest batch in flight before it fails over. */
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    /** How often, while waiting for an acknowledgement, the relay asks the sink whether it can still come. */
    private static final Duration VERIFY_EVERY = Duration.ofSeconds(1);

    private final EventLog log;
    private final RelayTarget target;
    private final Clock clock;
    private final LongConsumer publishLatencyMillis;
    private final Duration ackTimeout;
    private final String checkpointName;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Position published;
    private volatile long publishedEvents;
    private volatile @Nullable String lastError;
    private volatile long failures;
    private final RelaySink.Factory sinks;
    private @Nullable RelaySink sink; // publisher thread only
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>(); // publisher thread only
    private Position sent; // publisher thread only: the end of the last batch sent
    private final CheckpointSaver saver;

    private OutboxRelay(
            EventLog log,
            CheckpointStore checkpoints,
            RelayTarget target,
            RelaySink.Factory sinks,
            Clock clock,
            LongConsumer latency,
            Duration ackTimeout) {
        this.sinks = sinks;
        this.ackTimeout = ackTimeout;
        this.log = log;
        this.target = target;
        this.clock = clock;
        this.publishLatencyMillis = latency;
        this.checkpointName = target.checkpointName();
        this.published = checkpoints.load(checkpointName).orElse(log.start());
        this.sent = published;
        this.saver = new CheckpointSaver(checkpoints, checkpointName, published, CHECKPOINT_EVERY);
        this.thread = Thread.ofPlatform().name("hindsight-relay").daemon().unstarted(this::run);
    }

    /**
     * Starts relaying {@code log} to {@code target} through sinks of {@code sinks}; the first sink creates the
     * destination if it does not exist.
     *
     * @param publishLatencyMillis told, for each acknowledged event, the milliseconds from its {@code recorded_at} to
     *     the acknowledgement (for a metric)
     */
    public static OutboxRelay start(
            EventLog log,
            CheckpointStore checkpoints,
            RelayTarget target,
            RelaySink.Factory sinks,
            Clock clock,
            LongConsumer publishLatencyMillis) {
        return start(log, checkpoints, target, sinks, clock, publishLatencyMillis, ACK_TIMEOUT);
    }

    /** As {@link #start(EventLog, CheckpointStore, RelayTarget, RelaySink.Factory, Clock, LongConsumer)}, for tests. */
    static OutboxRelay start(
            EventLog log,
            CheckpointStore checkpoints,
            RelayTarget target,
            RelaySink.Factory sinks,
            Clock clock,
            LongConsumer publishLatencyMillis,
            Duration ackTimeout) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(checkpoints, "checkpoints");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(sinks, "sinks");
        OutboxRelay relay = new OutboxRelay(log, checkpoints, target, sinks, clock, publishLatencyMillis, ackTimeout);
        relay.thread.start();
        return relay;
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
     * @param failures failed attempts since this process started (each one is retried from the checkpoint a second
     *     later), for an alert that does not depend on sampling {@code lastError} while it is set
     */
    public record Status(
            RelayTarget target,
            Position published,
            long publishedEvents,
            long lagEvents,
            long lagMillis,
            @Nullable String lastError,
            long failures) {}

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
        return new Status(target, p, publishedEvents, lagEvents, lagMillis, lastError, failures);
    }

    /** Failed attempts since this process started, without {@link #status()}'s read of the unpublished events. */
    public long failures() {
        return failures;
    }

    private void run() {
        boolean prepared = false;
        while (running) {
            try {
                if (!prepared) {
                    sink().prepare();
                    prepared = true;
                }
                publishOnce();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | IOException | ExecutionException | TimeoutException e) {
                if (!running) {
                    break;
                }
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                lastError = cause.toString();
                failures++; // this thread alone writes it
                LOG.warn(
                        "relay to {} failed, retrying from the last acknowledged position: {}",
                        target,
                        cause.toString());
                closeSink();
                inFlight.clear();
                // everything up to `published` is acknowledged (the checkpoint only follows it): resume there, without
                // asking the checkpoint store, which may be what failed (reloading threw and ended this thread)
                sent = published;
                sleep(RETRY_WAIT);
            }
        }
        // close() interrupts a wait; the sink's own close must not see that interrupt
        Thread.interrupted();
        saver.request(published);
        saver.close(); // saves the last acknowledged position (a failure is logged: the next start publishes it again)
        closeSink();
    }

    /** A sent batch awaiting the broker's acknowledgements. */
    private record InFlight(List<Future<?>> acks, List<RecordedEvent> events, Position next) {}

    /**
     * One step: sends the next batch while earlier ones are in flight (at most {@value #MAX_IN_FLIGHT}), or waits for
     * the oldest one, or for new events; then moves the checkpoint past every batch acknowledged in full, in order.
     */
    private void publishOnce() throws InterruptedException, IOException, ExecutionException, TimeoutException {
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            awaitOldest();
        } else {
            GlobalSlice slice = log.readAll(sent, BATCH, EventFilter.ALL);
            if (slice.events().isEmpty() && !slice.next().equals(sent)) {
                // nothing to send, but not the end: the engine skipped a long run of positions (the file engine stops
                // a page after 100,000 deleted ones); an empty batch moves the checkpoint past them in order
                inFlight.addLast(new InFlight(List.of(), List.of(), slice.next()));
                sent = slice.next();
            } else if (slice.events().isEmpty()) {
                if (inFlight.isEmpty()) {
                    saver.request(published);
                    log.awaitAfter(sent, CHECKPOINT_EVERY);
                } else {
                    awaitOldest();
                }
            } else {
                RelaySink s = sink();
                List<Future<?>> acks = new ArrayList<>(slice.events().size());
                for (RecordedEvent e : slice.events()) {
                    acks.add(s.send(e));
                }
                inFlight.addLast(new InFlight(acks, slice.events(), slice.next()));
                sent = slice.next();
            }
        }
        completeAcknowledged();
    }

    /**
     * Waits until the broker acknowledged every event of the oldest batch in flight, at most {@code ackTimeout} in all;
     * after each second of waiting the sink may say that the acknowledgements will never come ({@link
     * RelaySink#verify}).
     *
     * @throws TimeoutException naming the target, the first unacknowledged event and how long the relay waited
     */
    private void awaitOldest() throws InterruptedException, IOException, ExecutionException, TimeoutException {
        InFlight oldest = inFlight.peekFirst();
        if (oldest == null) {
            return;
        }
        RelaySink s = sink();
        s.flush();
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        List<Future<?>> acks = oldest.acks();
        for (int i = 0; i < acks.size(); i++) {
            Future<?> ack = acks.get(i);
            while (!ack.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException(unacknowledged(oldest, i));
                }
                try {
                    ack.get(Math.min(left, VERIFY_EVERY.toNanos()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    s.verify();
                }
            }
            ack.get(); // throws if the broker refused it
        }
    }

    /** What the relay waited for in vain: the target, the first unacknowledged event of a batch, how long. */
    private String unacknowledged(InFlight batch, int first) {
        RecordedEvent e = batch.events().get(first);
        long pending = batch.acks().stream().filter(f -> !f.isDone()).count();
        return "no acknowledgement from " + target + " within " + human(ackTimeout) + " for the event " + e.eventId()
                + " (position " + e.position() + ", aggregate " + e.aggregateId() + " version " + e.version() + "; "
                + pending + " of the " + batch.events().size() + " events of its batch unacknowledged); retrying from"
                + " the last acknowledged position " + published;
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Moves the checkpoint past the leading batches whose every record is acknowledged. */
    private void completeAcknowledged() throws InterruptedException, ExecutionException {
        Position done = null;
        long count = 0;
        long now = clock.millis();
        while (!inFlight.isEmpty() && inFlight.peekFirst().acks().stream().allMatch(Future::isDone)) {
            InFlight b = inFlight.removeFirst();
            for (Future<?> f : b.acks()) {
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

    private RelaySink sink() {
        RelaySink s = sink;
        if (s == null) {
            s = sinks.open();
            sink = s;
        }
        return s;
    }

    private void closeSink() {
        RelaySink s = sink;
        sink = null;
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the relay's sink to {}", target, e);
            }
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
     * the sink closes. Does not close the log or the checkpoint store.
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
