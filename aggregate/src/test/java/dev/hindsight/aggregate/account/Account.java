package dev.hindsight.aggregate.account;

import dev.hindsight.aggregate.Decider;
import dev.hindsight.aggregate.EventTypeRegistry;
import java.util.List;

/** A small test domain: a bank account, with a correction event (corrections, not updates). */
public final class Account {
    private Account() {}

    public enum Status {
        NEW,
        OPEN,
        CLOSED
    }

    public record State(Status status, String owner, long balance, int transactions) {
        public static final State INITIAL = new State(Status.NEW, "", 0, 0);
    }

    public sealed interface Command permits Open, Deposit, Withdraw, Close, Correct, Noop {}

    public record Open(String owner) implements Command {}

    public record Deposit(long amount) implements Command {}

    public record Withdraw(long amount) implements Command {}

    public record Close() implements Command {}

    public record Correct(long originalVersion, long delta, String reason) implements Command {}

    public record Noop() implements Command {}

    public sealed interface Event permits Opened, Deposited, Withdrawn, Closed, Corrected {}

    public record Opened(String owner) implements Event {}

    public record Deposited(long amount) implements Event {}

    public record Withdrawn(long amount) implements Event {}

    public record Closed() implements Event {}

    /** A correction of an earlier event: the original stays; this one adjusts the derived balance. */
    public record Corrected(long originalVersion, long delta, String reason) implements Event {}

    /** Rejected command. */
    public static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Rejected(String message) {
            super(message);
        }
    }

    public static final EventTypeRegistry<Event> REGISTRY = EventTypeRegistry.<Event>builder()
            .register(Opened.class, "AccountOpened")
            .register(Deposited.class, "AccountDeposited", 2)
            .register(Withdrawn.class, "AccountWithdrawn")
            .register(Closed.class, "AccountClosed")
            .register(Corrected.class, "AccountCorrected")
            .build();

    public static final Decider<Command, State, Event> DECIDER = new Decider<>() {
        @Override
        public State initialState() {
            return State.INITIAL;
        }

        @Override
        public List<Event> decide(Command c, State s) {
            return switch (c) {
                case Open o -> {
                    if (s.status() != Status.NEW) {
                        throw new Rejected("already opened");
                    }
                    yield List.of(new Opened(o.owner()));
                }
                case Deposit d -> {
                    requireOpen(s);
                    yield List.of(new Deposited(d.amount()));
                }
                case Withdraw w -> {
                    requireOpen(s);
                    if (w.amount() > s.balance()) {
                        throw new Rejected("insufficient funds");
                    }
                    yield List.of(new Withdrawn(w.amount()));
                }
                case Close x -> {
                    requireOpen(s);
                    yield List.of(new Closed());
                }
                case Correct k -> {
                    requireOpen(s);
                    yield List.of(new Corrected(k.originalVersion(), k.delta(), k.reason()));
                }
                case Noop n -> List.of();
            };
        }

        @Override
        public State evolve(State s, Event e) {
            return switch (e) {
                case Opened o -> new State(Status.OPEN, o.owner(), 0, 0);
                case Deposited d -> new State(s.status(), s.owner(), s.balance() + d.amount(), s.transactions() + 1);
                case Withdrawn w -> new State(s.status(), s.owner(), s.balance() - w.amount(), s.transactions() + 1);
                case Closed x -> new State(Status.CLOSED, s.owner(), s.balance(), s.transactions());
                case Corrected k -> new State(s.status(), s.owner(), s.balance() + k.delta(), s.transactions());
            };
        }
    };

    private static void requireOpen(State s) {
        if (s.status() != Status.OPEN) {
            throw new Rejected("account is " + s.status());
        }
    }
}
