package dev.hindsight.bench.state;

import dev.hindsight.aggregate.Decider;
import dev.hindsight.aggregate.EventTypeRegistry;
import dev.hindsight.aggregate.Upcaster;
import dev.hindsight.aggregate.Upcasters;
import java.util.List;

/**
 * The benchmark's domain: a ledger account of deposits and withdrawals, events of ~200 bytes like the seed's
 * {@code AccountDeposited}. {@code Deposited} is at schema 2; schema-1 events (10% of the stored ones) are upcast.
 */
final class Ledger {
    private Ledger() {}

    sealed interface Event permits Deposited, Withdrawn {}

    record Deposited(long amount, String currency, String source, String reference) implements Event {}

    record Withdrawn(long amount, String currency, String reference) implements Event {}

    record State(long balance, long transactions, String lastReference) {}

    static final EventTypeRegistry<Event> REGISTRY = EventTypeRegistry.<Event>builder()
            .register(Deposited.class, "AccountDeposited", 2)
            .register(Withdrawn.class, "AccountWithdrawn")
            .build();

    /** v1 had no {@code source}. */
    static final Upcasters UPCASTERS =
            Upcasters.of(List.of(Upcaster.of("AccountDeposited", 1, d -> d.put("source", "legacy"))));

    static final Decider<Object, State, Event> DECIDER = new Decider<>() {
        @Override
        public State initialState() {
            return new State(0, 0, "");
        }

        @Override
        public List<Event> decide(Object command, State state) {
            return List.of();
        }

        @Override
        public State evolve(State s, Event e) {
            return switch (e) {
                case Deposited d -> new State(s.balance() + d.amount(), s.transactions() + 1, d.reference());
                case Withdrawn w -> new State(s.balance() - w.amount(), s.transactions() + 1, w.reference());
            };
        }
    };

    /** JSON of event {@code i} (1-based) and its schema version. */
    static String data(long i) {
        String ref = "\"reference\":\"txn-" + i + "-7c9e6679-7425-40de-944b-e07fc1f90ae7\"";
        if (i % 3 == 0) {
            return "{\"amount\":" + (i % 500) + ",\"currency\":\"USD\"," + ref + "}";
        }
        if (i % 10 == 1) {
            return "{\"amount\":" + (i % 700) + ",\"currency\":\"USD\"," + ref + "}";
        }
        return "{\"amount\":" + (i % 700) + ",\"currency\":\"USD\",\"source\":\"bank_transfer\"," + ref + "}";
    }

    static String type(long i) {
        return i % 3 == 0 ? "AccountWithdrawn" : "AccountDeposited";
    }

    static int schema(long i) {
        return i % 3 == 0 ? 1 : i % 10 == 1 ? 1 : 2;
    }
}
