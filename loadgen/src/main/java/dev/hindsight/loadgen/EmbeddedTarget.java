package dev.hindsight.loadgen;

import dev.hindsight.aggregate.CommandResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.orders.OrderService;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.orders.command.OrderCommand;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.event.OrderEvent;
import dev.hindsight.orders.projection.OrderQueries;
import dev.hindsight.orders.projection.OrderRow;
import dev.hindsight.orders.projection.OrdersProjection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.server.Routes;
import dev.hindsight.server.ServerPlugin;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import dev.hindsight.store.file.FsyncPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The embedded default, assembled as {@code hindsight serve} assembles it (file log in the data directory, snapshots
 * in {@code snapshots/}, the SQLite read model in {@code readmodel.db}, the {@code orders} projection live), with the
 * order service reading the simulated clock. Commands go through the Java API; reads go over HTTP to an in-process
 * server started on a free port when first asked for. The store can be served by {@code hindsight serve} afterwards.
 * Thread-safe.
 */
final class EmbeddedTarget implements Target {
    private final Path dataDir;
    private final FsyncPolicy fsync;
    private final EventStore store;
    private final OrderSystem system;
    private final ProjectionEngine projections;
    private final FileEventLog log;
    private volatile @Nullable CommitStats commits;
    private @Nullable HindsightServer server; // guarded by this

    private EmbeddedTarget(Path dataDir, FsyncPolicy fsync, FileEventLog log, EventStore store, OrderSystem system) {
        this.dataDir = dataDir;
        this.fsync = fsync;
        this.log = log;
        this.store = store;
        this.system = system;
        this.projections = Objects.requireNonNull(system.projections());
    }

    /**
     * Opens (creating) the store in {@code dataDir} and starts the order system on it.
     *
     * @param segmentBytes the log's segment size; 0 for the default
     * @param clock the order service's clock (command instants become the events' timestamps)
     */
    static EmbeddedTarget open(Path dataDir, FsyncPolicy fsync, long segmentBytes, Clock clock) {
        FileLogOptions options = FileLogOptions.defaults(dataDir).withFsync(fsync);
        FileEventLog log = FileEventLog.open(segmentBytes > 0 ? options.withSegmentBytes(segmentBytes) : options);
        EventStore store = EventStore.of(log);
        SnapshotStore snapshots = null;
        OrderSystem system = null;
        try {
            snapshots = FileSnapshotStore.open(dataDir.resolve("snapshots"), SnapshotRetention.DEFAULT);
            system = OrderSystem.builder(store)
                    .snapshots(snapshots)
                    .readModel(ReadModelDatabase.sqlite(dataDir.resolve("readmodel.db")))
                    .clock(clock)
                    .build();
            system.start();
            return new EmbeddedTarget(dataDir, fsync, log, store, system);
        } catch (RuntimeException e) {
            if (system != null) {
                system.close();
            } else if (snapshots != null) {
                snapshots.close();
            }
            store.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return "embedded " + dataDir + " (fsync " + fsync.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override
    public Outcome execute(
            OrderRun order, Verb verb, Function<Instant, OrderCommand> command, String actor, String correlationId) {
        CommandResult<OrderState, OrderEvent> r =
                system.service().handle(order.orderId(), command, null, new OrderService.Caller(actor, correlationId));
        return new Outcome(order.orderId(), r.version(), String.valueOf(r.position()));
    }

    @Override
    public boolean observeCommits(CommitStats stats) {
        if (commits == null) {
            log.onCommit((appends, events, bytes, fsyncNanos) -> {
                CommitStats sink = commits;
                if (sink != null) {
                    sink.committed(events, fsyncNanos);
                }
            });
        }
        commits = stats;
        return true;
    }

    @Override
    public synchronized URI httpEndpoint() {
        if (server == null) {
            server = HindsightServer.builder(store)
                    .host("127.0.0.1")
                    .port(0)
                    .closeStoreOnStop(false)
                    .plugin(new Borrowed(system.plugin()))
                    .build()
                    .start();
        }
        return URI.create("http://127.0.0.1:" + server.port());
    }

    @Override
    public boolean awaitReadModel(String position, Duration timeout) throws InterruptedException {
        return projections.awaitPosition(OrdersProjection.NAME, Position.parse(position), timeout);
    }

    @Override
    public OptionalLong statusLagMillis() {
        return OptionalLong.of(projections.status(OrdersProjection.NAME).lagMillis());
    }

    @Override
    public String head() {
        return store.head().toString();
    }

    @Override
    public long eventCount() {
        return store.head() instanceof Position.Sequence s ? s.value() : -1;
    }

    @Override
    public @Nullable Instant lastEventTimestamp() {
        long n = eventCount();
        if (n <= 0) {
            return null;
        }
        GlobalSlice last = store.readAll(Position.of(n - 1), 1, EventFilter.ALL);
        return last.events().isEmpty() ? null : last.events().getFirst().timestamp();
    }

    @Override
    public long readModelRows() {
        return projections.query(OrdersProjection.NAME, s -> {
            try (Statement st = s.connection().createStatement();
                    ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + s.table(OrdersProjection.TABLE))) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public List<OrderRef> sampleOrders(int n) {
        return projections.query(OrdersProjection.NAME, s -> {
            List<OrderRef> out = new ArrayList<>(n);
            try (PreparedStatement ps = s.connection()
                    .prepareStatement("SELECT order_id, user_id FROM " + s.table(OrdersProjection.TABLE)
                            + " ORDER BY random() LIMIT ?")) {
                ps.setInt(1, n);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new OrderRef(rs.getString(1), rs.getString(2)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public long loadVersion(String orderId) {
        return system.service().load(orderId).version();
    }

    @Override
    public long readModelVersion(String orderId) {
        OrderRow row = projections.query(OrdersProjection.NAME, s -> OrderQueries.get(s, orderId));
        return row == null ? 0 : row.version();
    }

    /** Stops the HTTP server (if started), then the order system (which waits for snapshot writes), then the store. */
    @Override
    public void close() {
        synchronized (this) {
            if (server != null) {
                server.stop();
            }
        }
        system.close();
        store.close();
    }

    /** The order system's routes, mounted without handing the system to the server (this target closes it). */
    private record Borrowed(ServerPlugin plugin) implements ServerPlugin {
        @Override
        public void register(Routes routes) {
            plugin.register(routes);
        }

        @Override
        public @Nullable String openApi() {
            return plugin.openApi();
        }

        @Override
        public void close() {
            // owned by the target
        }
    }
}
