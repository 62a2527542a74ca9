package com.example.bank;

import dev.hindsight.aggregate.AggregateRepository;
import dev.hindsight.aggregate.CommandResult;
import dev.hindsight.aggregate.Loaded;
import dev.hindsight.core.Position;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.spring.AggregateRepositories;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * The bank's use cases on the beans the starter made: commands through the account repository, balances at past
 * instants by time travel, monthly statements from the read model (commands return once it includes them).
 * Thread-safe.
 */
@Service
public class BankService {
    private static final Duration READ_YOUR_WRITES = Duration.ofSeconds(10);

    private final AggregateRepository<Account.Command, Account.State, Account.Event> accounts;
    private final ProjectionEngine projections;

    public BankService(AggregateRepositories repositories, ProjectionEngine projections) {
        this.accounts = repositories.of(BankApplication.ACCOUNT);
        this.projections = projections;
    }

    public long openAccount(String accountId, String owner, String currency, long overdraftLimit) {
        return handle(accountId, new Account.Open(owner, currency, overdraftLimit));
    }

    public long deposit(String accountId, long amount) {
        return handle(accountId, new Account.Deposit(amount));
    }

    /** @throws Account.Rejected if the balance would go below the overdraft limit */
    public long withdraw(String accountId, long amount) {
        return handle(accountId, new Account.Withdraw(amount));
    }

    public Optional<Account.State> account(String accountId) {
        Loaded<Account.State> loaded = accounts.load(accountId);
        return loaded.exists() ? Optional.of(loaded.state()) : Optional.empty();
    }

    public long balanceAsOf(String accountId, Instant instant) {
        return accounts.loadAsOf(accountId, instant).state().balance();
    }

    public List<MonthlyStatement> statements(String accountId) {
        return projections.query(MonthlyStatements.NAME, s -> MonthlyStatements.statements(accountId, s));
    }

    public Optional<MonthlyStatement> statement(String accountId, YearMonth month) {
        return statements(accountId).stream().filter(s -> s.month().equals(month)).findFirst();
    }

    private long handle(String accountId, Account.Command command) {
        CommandResult<Account.State, Account.Event> result = accounts.handle(accountId, command);
        Position position = result.position();
        if (position != null) {
            try {
                if (!projections.awaitPosition(MonthlyStatements.NAME, position, READ_YOUR_WRITES)) {
                    throw new IllegalStateException("the statements did not catch up within " + READ_YOUR_WRITES);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the statements", e);
            }
        }
        return result.state().balance();
    }
}
