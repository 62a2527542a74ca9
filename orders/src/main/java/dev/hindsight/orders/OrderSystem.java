package dev.hindsight.orders;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Subscription;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.orders.http.OrdersPlugin;
import dev.hindsight.orders.projection.OrdersProjection;
import dev.hindsight.projection.PartitionReader;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ProjectionOptions;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.server.ServerPlugin;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order system assembled: the write side ({@link OrderService} with its snapshot store), the {@code orders} read
 * model (a {@link ProjectionEngine} over a {@link ReadModelDatabase}) and the HTTP API ({@link #plugin()}). It owns
 * what it is given and closes it: the projection engine, then the service, the snapshot store, the read-model
 * database and the on-close hook (not the event store). Thread-safe.
 */
public final class OrderSystem implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OrderSystem.class);

    private final OrderService service;
    private final EventStore store;
    private final @Nullable SnapshotStore snapshots;
    private final @Nullable ReadModelDatabase database;
    private final @Nullable ProjectionEngine projections;
    private final Supplier<UUID> ids;
    private final Duration minPositionTimeout;
    private final Runnable onClose;
    private final java.util.function.@Nullable Consumer<String> forgetListener;
    private @Nullable Subscription forgottenWatch; // guarded by this
    private boolean closed; // guarded by this

    private OrderSystem(Builder b) {
        this.snapshots = OrderPrivacy.snapshots(b.store, b.snapshots);
        this.database = b.database;
        this.ids = b.ids;
        this.minPositionTimeout = b.minPositionTimeout;
        this.onClose = b.onClose;
        this.service = new OrderService(
                b.store,
                snapshots,
                b.clock,
                b.writeSnapshots ? OrderService.SNAPSHOT_POLICY : dev.hindsight.aggregate.SnapshotPolicy.never());
        this.projections = b.database == null
                ? null
                : ProjectionEngine.builder(b.store, b.database)
                        .add(new OrdersProjection(), ProjectionOptions.DEFAULT.withInline(b.inline))
                        .upcasters(dev.hindsight.orders.event.OrderEvents.UPCASTERS)
                        .follower(b.followProjections)
                        .partitioned(b.partitions)
                        .build();
        this.forgetListener = b.store.shredder() == null ? null : this::forgotten;
        if (forgetListener != null) {
            java.util.Objects.requireNonNull(b.store.shredder()).onForget(forgetListener);
        }
        this.store = b.store;
    }

    /**
     * After a subject's key is destroyed: drops cached states (they hold its fields) and erases it from the read model,
     * once the projection has applied the log up to now (up to 10 s), so that a batch it decrypted before the key was
     * destroyed cannot write the id back after the erasure.
     */
    private void forgotten(String subject) {
        service.clearCachedStates();
        if (database == null) {
            return;
        }
        if (projections != null) {
            try {
                projections.awaitPosition(OrdersProjection.NAME, store.head(), Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        OrderPrivacy.eraseFromReadModel(database, subject);
    }

    /**
     * A forget through any process of the store (this one's own included): drops cached keys and states, and again a
     * second later, since the server records the forget just before it destroys the key: a load in between may have
     * found the key still there and cached a decrypted state.
     */
    private void forgottenElsewhere() throws InterruptedException {
        Shredder shredder = Objects.requireNonNull(store.shredder());
        shredder.dropCachedKeys();
        service.clearCachedStates();
        Thread.sleep(Duration.ofSeconds(1));
        shredder.dropCachedKeys();
        service.clearCachedStates();
    }

    public static Builder builder(EventStore store) {
        return new Builder(store);
    }

    /**
     * Starts the read model (catching up from its checkpoint in the background) and, with a shredder, the watch for
     * {@value Shredder#FORGOTTEN_EVENT} events: a forget through another process sharing the keys (another node of a
     * Kafka or PostgreSQL store) also drops this process's cached order states, which hold personal fields decrypted.
     */
    public synchronized OrderSystem start() {
        if (projections != null) {
            projections.start();
        }
        if (store.shredder() != null && forgottenWatch == null) {
            forgottenWatch = store.subscribe(
                    store.head(), new EventFilter(Set.of(Shredder.FORGOTTEN_EVENT), "$"), e -> forgottenElsewhere());
        }
        return this;
    }

    public OrderService service() {
        return service;
    }

    /** The read models' engine, {@code null} when built without a database. */
    public @Nullable ProjectionEngine projections() {
        return projections;
    }

    /** Source of new order, correlation and refund ids. */
    public Supplier<UUID> ids() {
        return ids;
    }

    /** How long {@code GET /api/orders?min_position=} waits for the read model. */
    public Duration minPositionTimeout() {
        return minPositionTimeout;
    }

    /** The HTTP API; mount it with {@code HindsightServer.Builder.plugin}. The server's stop closes this system. */
    public ServerPlugin plugin() {
        return new OrdersPlugin(this);
    }

    /**
     * Bytes of the order system's own storage: {@code snapshots} and {@code read_model} (-1 where not measured or not
     * configured).
     */
    public Map<String, Long> storageBytes() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("snapshots", snapshots == null ? -1 : snapshots.bytesOnDisk());
        out.put("read_model", database == null ? -1 : database.bytesOnDisk());
        return out;
    }

    /** Publishes snapshot and retry counters as gauges ({@code hindsight.orders.*}). */
    public OrderSystem bindMetrics(MeterRegistry registry) {
        Gauge.builder(
                        "hindsight.orders.snapshots.written",
                        service,
                        s -> s.stats().snapshotsWritten())
                .description("Order snapshots written")
                .register(registry);
        Gauge.builder(
                        "hindsight.orders.snapshots.failed",
                        service,
                        s -> s.stats().snapshotFailures())
                .description("Order snapshot reads or writes that failed")
                .register(registry);
        Gauge.builder(
                        "hindsight.orders.conflict.retries",
                        service,
                        s -> s.stats().conflictRetries())
                .description("Commands re-decided after a concurrent append")
                .register(registry);
        return this;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(forgottenWatch, "watch for forgotten subjects");
        Shredder shredder = store.shredder();
        if (shredder != null && forgetListener != null) {
            shredder.removeForgetListener(forgetListener);
        }
        if (projections != null) {
            projections.close();
        }
        service.close();
        closeQuietly(snapshots, "snapshot store");
        closeQuietly(database, "read-model database");
        closeQuietly(onClose::run, "on-close hook");
    }

    private static void closeQuietly(@Nullable AutoCloseable c, String what) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing the {} failed", what, e);
        }
    }

    /** Configures an {@link OrderSystem}. Not thread-safe. */
    public static final class Builder {
        private final EventStore store;
        private @Nullable SnapshotStore snapshots;
        private @Nullable ReadModelDatabase database;
        private Clock clock = Clock.systemUTC();
        private Supplier<UUID> ids = UUID::randomUUID;
        private Duration minPositionTimeout = Duration.ofSeconds(5);
        private Runnable onClose = () -> {};
        private boolean inline;
        private boolean followProjections;
        private @Nullable PartitionReader partitions;
        private boolean writeSnapshots = true;

        private Builder(EventStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** Where order snapshots go (owned by the system from now on); default none. */
        public Builder snapshots(SnapshotStore snapshots) {
            this.snapshots = Objects.requireNonNull(snapshots);
            return this;
        }

        /** Where the {@code orders} read model lives (owned by the system from now on); default none. */
        public Builder readModel(ReadModelDatabase database) {
            this.database = Objects.requireNonNull(database);
            return this;
        }

        /** The clock command instants are read from; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Source of new ids; default random UUIDs. */
        public Builder ids(Supplier<UUID> ids) {
            this.ids = Objects.requireNonNull(ids);
            return this;
        }

        /** How long a list with {@code min_position} waits for the read model; default 5 s. */
        public Builder minPositionTimeout(Duration timeout) {
            this.minPositionTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Runs last when the system closes (e.g. to remove a scratch directory). */
        public Builder onClose(Runnable hook) {
            this.onClose = Objects.requireNonNull(hook);
            return this;
        }

        /**
         * Makes the {@code orders} projection inline ({@link ProjectionOptions#withInline}); default off. It then needs
         * a PostgreSQL read model in the event store's database, and the caller registers {@code
         * projections()::applyInline} as the store's inline hook once the system has started.
         */
        public Builder inlineProjection(boolean on) {
            this.inline = on;
            return this;
        }

        /**
         * Leaves the read model's runner to another process (the {@code read-model} role): queries and
         * {@code min_position} waits follow what that process commits ({@code ProjectionEngine.Builder.follower}).
         * Default off.
         */
        public Builder followProjections(boolean on) {
            this.followProjections = on;
            return this;
        }

        /**
         * Splits the read model's runner by partition with other processes (the Kafka engine's {@code read-model}
         * role): the engine runs the partitions given to {@code projections().assign}, reading through
         * {@code reader} ({@code ProjectionEngine.Builder.partitioned}). Default null: one runner over the whole log.
         */
        public Builder partitionedProjections(@Nullable PartitionReader reader) {
            this.partitions = reader;
            return this;
        }

        /**
         * Whether commands write snapshots (by {@link OrderService#SNAPSHOT_POLICY}); off when a separate snapshot
         * service ({@link OrderSnapshotService}, the {@code snapshots} role) writes them. Loads use snapshots either
         * way. Default on.
         */
        public Builder writeSnapshots(boolean on) {
            this.writeSnapshots = on;
            return this;
        }

        /**
         * @throws IllegalStateException if the projection is inline but there is no read model
         * @throws IllegalArgumentException if it is inline and the read model is not PostgreSQL
         */
        public OrderSystem build() {
            if (inline && database == null) {
                throw new IllegalStateException("an inline orders projection needs a read model");
            }
            return new OrderSystem(this);
        }
    }
}
