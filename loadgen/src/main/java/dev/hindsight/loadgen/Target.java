package dev.hindsight.loadgen;

import dev.hindsight.orders.command.OrderCommand;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What the generator drives: the order system of an embedded store (Java API) or of a running server (HTTP).
 * Implementations are thread-safe.
 */
interface Target extends AutoCloseable {

    /**
     * The result of one command.
     *
     * @param orderId the order (for a create over HTTP: the id the server chose)
     * @param version the order's version after it
     * @param position the global position of its event (wire form)
     */
    record Outcome(String orderId, long version, String position) {}

    /** An order and its customer, for reads. */
    record OrderRef(String orderId, String userId) {}

    /** One line for the report, e.g. {@code embedded /data (fsync always)}. */
    String describe();

    /**
     * Runs a command of {@code order} (its id, customer and currency are read from it).
     *
     * @param actor the acting user (metadata {@code user_id})
     * @param correlationId the request's correlation id (metadata)
     * @throws RuntimeException if it fails (rejected, conflict, I/O); the order is then abandoned
     */
    Outcome execute(
            OrderRun order, Verb verb, Function<Instant, OrderCommand> command, String actor, String correlationId);

    /**
     * Starts counting the engine's group commits into {@code stats} (replacing any earlier sink); whether this target
     * can see them (only an embedded store can).
     */
    boolean observeCommits(CommitStats stats);

    /** Base URL of an HTTP API serving this store's order system (embedded: starts one on a free port). */
    URI httpEndpoint();

    /** Waits until the {@code orders} read model covers {@code position}; whether it did in time. */
    boolean awaitReadModel(String position, Duration timeout) throws InterruptedException;

    /** The read model's lag as its status reports it (ms), if it can be read. */
    OptionalLong statusLagMillis();

    /** Cursor after the last event (wire form). */
    String head();

    /** Events in the store (for a sequence-positioned store, the head), -1 if unknown. */
    long eventCount();

    /**
     * Bytes on disk as the target itself measures them (a server's {@code GET /api/storage}), {@code null} if it
     * cannot; an embedded store's data directory is measured directly instead.
     */
    default @Nullable DiskUsage diskUsage() {
        return null;
    }

    /** The {@code metadata.timestamp} of the last event, {@code null} for an empty store or if unknown. */
    @Nullable
    Instant lastEventTimestamp();

    /** Rows in the {@code orders} read model, -1 if it cannot be counted from here. */
    long readModelRows();

    /** Up to {@code n} orders picked at random from the read model. */
    List<OrderRef> sampleOrders(int n);

    /** The order's version as loaded from the write side (snapshot + events), 0 if it does not exist. */
    long loadVersion(String orderId);

    /** The order's version in the read model, -1 if unknown here, 0 if it has no row. */
    long readModelVersion(String orderId);

    @Override
    void close();
}
