package com.example.bank;

import dev.hindsight.aggregate.AggregateRepository;
import dev.hindsight.aggregate.CommandResult;
import dev.hindsight.aggregate.Loaded;
import dev.hindsight.aggregate.SnapshotPolicy;
import dev.hindsight.aggregate.StateCodec;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Position;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;

/**
 * The bank: accounts on Hindsight's embedded file engine in one directory (log, snapshots, read model). Commands go
 * through an {@link AggregateRepository} (optimistic concurrency, snapshots every 50 events); balances at past instants
 * are time travel over the log; monthly statements are a read model. Thread-safe.
 */
public final class Bank implements AutoCloseable {
    private static final Duration READ_YOUR_WRITES = Duration.ofSeconds(10);

    private final EventStore store;
    private final FileSnapshotStore snapshots;
    private final AggregateRepository<Account.Command, Account.State, Account.Event> accounts;
    private final ReadModelDatabase readModel;
    private final ProjectionEngine projections;

    private Bank(Path dir, Clock clock) {
        this.store = EventStore.builder(FileEventLog.open(FileLogOptions.defaults(dir.resolve("log"))))
                .clock(clock)
                .build();
        this.snapshots = FileSnapshotStore.open(dir.resolve("snapshots"), SnapshotRetention.DEFAULT);
        this.accounts = AggregateRepository.builder(
                        store, Account.DECIDER, Account.EVENTS, StateCodec.of(Account.State.class, 1))
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(50))
                .build();
        this.readModel = ReadModelDatabase.sqlite(dir.resolve("read-model.db"));
        this.projections = ProjectionEngine.builder(store, readModel)
                .add(new MonthlyStatements())
                .build()
                .start();
    }

    /** Opens (or creates) a bank in {@code dir}; {@code clock} stamps the events. */
    public static Bank open(Path dir, Clock clock) {
        return new Bank(dir, clock);
    }

    /**
     * Opens an account.
     *
     * @throws Account.Rejected if it exists or the input is invalid
     */
    public long openAccount(String accountId, String owner, String currency, long overdraftLimit) {
        return handle(accountId, new Account.Open(owner, currency, overdraftLimit));
    }

    /** Deposits {@code amount} cents; returns the new balance. */
    public long deposit(String accountId, long amount) {
        return handle(accountId, new Account.Deposit(amount));
    }

    /**
     * Withdraws {@code amount} cents; returns the new balance.
     *
     * @throws Account.Rejected if the balance would go below the overdraft limit
     */
    public long withdraw(String accountId, long amount) {
        return handle(accountId, new Account.Withdraw(amount));
    }

    /** The account now, if it exists. */
    public Optional<Account.State> account(String accountId) {
        Loaded<Account.State> loaded = accounts.load(accountId);
        return loaded.exists() ? Optional.of(loaded.state()) : Optional.empty();
    }

    /** The balance at {@code instant} (time travel: the events up to it, replayed); 0 before the account existed. */
    public long balanceAsOf(String accountId, Instant instant) {
        return accounts.loadAsOf(accountId, instant).state().balance();
    }

    /** The account's monthly statements, oldest first, including every transaction made so far. */
    public List<MonthlyStatement> statements(String accountId) {
        return projections.query(MonthlyStatements.NAME, s -> MonthlyStatements.statements(accountId, s));
    }

    /** One month's statement, if the account had transactions in it. */
    public Optional<MonthlyStatement> statement(String accountId, YearMonth month) {
        return statements(accountId).stream().filter(s -> s.month().equals(month)).findFirst();
    }

    private long handle(String accountId, Account.Command command) {
        CommandResult<Account.State, Account.Event> result = accounts.handle(accountId, command);
        Position position = result.position();
        if (position != null) {
            awaitReadModel(position);
        }
        return result.state().balance();
    }

    /** Commands return once the statements include them, so a caller reads its own writes. */
    private void awaitReadModel(Position position) {
        try {
            if (!projections.awaitPosition(MonthlyStatements.NAME, position, READ_YOUR_WRITES)) {
                throw new IllegalStateException("the statements did not catch up within " + READ_YOUR_WRITES);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the statements", e);
        }
    }

    /** Stops the projections and the repository, then closes the read model, the snapshots and the log. */
    @Override
    public void close() {
        accounts.close();
        projections.close();
        readModel.close();
        snapshots.close();
        store.close();
    }
}
