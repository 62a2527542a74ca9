package dev.hindsight.relay;

import dev.hindsight.core.RecordedEvent;
import java.io.IOException;
import java.util.concurrent.Future;

/**
 * A connection to a message queue for {@link OutboxRelay}: it sends events in the order given and tells, per event,
 * when the broker has acknowledged it durably. The relay creates a sink when it starts or after a failure and closes
 * it on any failure, so a sink need not recover by itself. Used by the relay's one thread only.
 */
public interface RelaySink extends AutoCloseable {
    /** Creates the destination (topic, stream) if it does not exist; a failure is logged by the sink, not thrown. */
    void prepare();

    /**
     * Sends {@code event} after every event sent before it on this sink.
     *
     * @return completes when the broker has acknowledged the event durably; fails if it refused it
     */
    Future<?> send(RecordedEvent event);

    /** Pushes out whatever the sink buffers, so that the acknowledgements of sent events can arrive. */
    void flush();

    /**
     * Called about once a second while the relay has waited a second or more for an acknowledgement: throws when the
     * sink knows that acknowledgements it still owes will never come (the destination is gone and the client does not
     * report it for every message), so that the relay fails over at once instead of waiting out its acknowledgement
     * timeout. Throws only what it knows; a question it cannot ask now (the broker unreachable) is no reason. The
     * default knows nothing.
     *
     * @throws IOException naming the destination and why nothing more will be acknowledged
     */
    default void verify() throws IOException {}

    /** Closes the connection; unacknowledged events are published again from the checkpoint by the next sink. */
    @Override
    void close();

    /** Opens sinks to one target. */
    @FunctionalInterface
    interface Factory {
        /** A new sink; connecting may be lazy (a failure then surfaces from {@link #send}). */
        RelaySink open();
    }
}
