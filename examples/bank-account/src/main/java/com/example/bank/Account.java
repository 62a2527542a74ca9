package com.example.bank;

import dev.hindsight.aggregate.Decider;
import dev.hindsight.aggregate.EventTypeRegistry;
import java.util.List;
import java.util.Objects;

/**
 * A bank account as pure functions (the seed's "Intuitive Explanation"): the balance is never stored, it is the sum of
 * the deposits and withdrawals. Amounts are {@code long} cents of one currency.
 */
public final class Account {
    private Account() {}

    /** An account's state, derived from its events. */
    public record State(boolean open, String owner, String currency, long overdraftLimit, long balance) {
        public static final State NONE = new State(false, "", "", 0, 0);
    }

    /** What a client asks for. */
    public sealed interface Command permits Open, Deposit, Withdraw {}

    /** Opens the account; {@code overdraftLimit} is how far below zero the balance may go (0: no overdraft). */
    public record Open(String owner, String currency, long overdraftLimit) implements Command {
        public Open {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(currency, "currency");
        }
    }

    public record Deposit(long amount) implements Command {}

    public record Withdraw(long amount) implements Command {}

    /** What happened; stored forever. */
    public sealed interface Event permits Opened, Deposited, Withdrawn {}

    public record Opened(String owner, String currency, long overdraftLimit) implements Event {}

    public record Deposited(long amount) implements Event {}

    public record Withdrawn(long amount) implements Event {}

    /** A command the account refuses; nothing is appended. */
    public static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Rejected(String message) {
            super(message);
        }
    }

    /** Event type names in the log: part of the stored format, never renamed. */
    public static final EventTypeRegistry<Event> EVENTS = EventTypeRegistry.<Event>builder()
            .register(Opened.class, "AccountOpened")
            .register(Deposited.class, "MoneyDeposited")
            .register(Withdrawn.class, "MoneyWithdrawn")
            .build();

    public static final Decider<Command, State, Event> DECIDER = Decider.of(State.NONE, Account::decide, Account::evolve);

    static List<Event> decide(Command command, State state) {
        return switch (command) {
            case Open o -> {
                if (state.open()) {
                    throw new Rejected("the account is already open");
                }
                if (o.owner().isBlank()) {
                    throw new Rejected("the owner must not be blank");
                }
                if (!o.currency().matches("[A-Z]{3}")) {
                    throw new Rejected("currency must be an ISO 4217 code such as EUR, not '" + o.currency() + "'");
                }
                if (o.overdraftLimit() < 0) {
                    throw new Rejected("the overdraft limit must not be negative");
                }
                yield List.of(new Opened(o.owner(), o.currency(), o.overdraftLimit()));
            }
            case Deposit d -> {
                requireOpen(state);
                requirePositive(d.amount());
                yield List.of(new Deposited(d.amount()));
            }
            case Withdraw w -> {
                requireOpen(state);
                requirePositive(w.amount());
                long after = state.balance() - w.amount();
                if (after < -state.overdraftLimit()) {
                    throw new Rejected("withdrawing " + w.amount() + " would leave " + after
                            + ", below the overdraft limit of -" + state.overdraftLimit());
                }
                yield List.of(new Withdrawn(w.amount()));
            }
        };
    }

    static State evolve(State s, Event event) {
        return switch (event) {
            case Opened o -> new State(true, o.owner(), o.currency(), o.overdraftLimit(), 0);
            case Deposited d -> new State(s.open(), s.owner(), s.currency(), s.overdraftLimit(), s.balance() + d.amount());
            case Withdrawn w -> new State(s.open(), s.owner(), s.currency(), s.overdraftLimit(), s.balance() - w.amount());
        };
    }

    private static void requireOpen(State state) {
        if (!state.open()) {
            throw new Rejected("no such account (open it first)");
        }
    }

    private static void requirePositive(long amount) {
        if (amount <= 0) {
            throw new Rejected("the amount must be positive, was " + amount);
        }
    }
}
