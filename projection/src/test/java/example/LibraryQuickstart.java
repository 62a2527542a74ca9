package example;

import dev.hindsight.aggregate.AggregateRepository;
import dev.hindsight.aggregate.CommandResult;
import dev.hindsight.aggregate.Decider;
import dev.hindsight.aggregate.EventTypeRegistry;
import dev.hindsight.aggregate.Loaded;
import dev.hindsight.aggregate.SnapshotPolicy;
import dev.hindsight.aggregate.StateCodec;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.projection.SqlSession;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/** Appends, loads an aggregate through a snapshot and runs a projection, on the embedded file engine. */
public final class LibraryQuickstart {
    record Deposit(long cents) {}

    record Deposited(long cents) {}

    record Balance(long cents) {}

    static final EventTypeRegistry<Deposited> EVENTS = EventTypeRegistry.<Deposited>builder()
            .register(Deposited.class, "Deposited")
            .build();

    static final Decider<Deposit, Balance, Deposited> ACCOUNT = Decider.of(
            new Balance(0),
            (deposit, balance) -> List.of(new Deposited(deposit.cents())),
            (balance, event) -> new Balance(balance.cents() + event.cents()));

    /** A read model: the number of deposits per account. */
    static final class DepositCounts implements Projection {
        @Override
        public String name() {
            return "deposit_counts";
        }

        @Override
        public List<String> tables() {
            return List.of("counts");
        }

        @Override
        public void createTables(SqlSession s) throws SQLException {
            try (Statement st = s.connection().createStatement()) {
                st.execute("CREATE TABLE " + s.table("counts") + " (id TEXT PRIMARY KEY, n BIGINT NOT NULL)");
            }
        }

        @Override
        public void apply(RecordedEvent e, SqlSession s) throws SQLException {
            var upsert = s.prepare("INSERT INTO " + s.table("counts") + " (id, n) VALUES (?, 1)"
                    + " ON CONFLICT (id) DO UPDATE SET n = " + s.table("counts") + ".n + 1");
            upsert.setString(1, e.aggregateId());
            upsert.executeUpdate();
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(Path.of(args.length > 0 ? args[0] : "quickstart-data")));
    }

    static String run(Path dir) throws Exception {
        try (var store = EventStore.of(FileEventLog.open(FileLogOptions.defaults(dir.resolve("log"))));
                var snapshots = FileSnapshotStore.open(dir.resolve("snapshots"), SnapshotRetention.DEFAULT);
                var repo = AggregateRepository.builder(store, ACCOUNT, EVENTS, StateCodec.of(Balance.class, 1))
                        .snapshots(snapshots, SnapshotPolicy.everyNEvents(10))
                        .build();
                var readModel = ReadModelDatabase.sqlite(dir.resolve("read-model.db"));
                var engine = ProjectionEngine.builder(store, readModel)
                        .add(new DepositCounts())
                        .build()
                        .start()) {
            CommandResult<Balance, Deposited> last = null;
            for (int i = 0; i < 25; i++) {
                last = repo.handle("acc-1", new Deposit(100)); // load, decide, append (retries on conflicts)
            }
            repo.awaitSnapshots(); // snapshots are written in the background
            Loaded<Balance> account = repo.load("acc-1"); // the snapshot at version 20, then 5 events
            engine.awaitPosition("deposit_counts", last.position(), Duration.ofSeconds(5)); // read your writes
            long deposits = engine.query("deposit_counts", s -> {
                try (Statement st = s.connection().createStatement();
                        ResultSet rs = st.executeQuery("SELECT n FROM " + s.table("counts"))) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            });
            return account.state() + " at version " + account.version() + " (from snapshot " + account.fromSnapshot()
                    + " + " + account.replayed() + " events); read model: " + deposits + " deposits";
        }
    }
}
