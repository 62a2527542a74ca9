package dev.hindsight.aggregate;

import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The domain logic of one aggregate type as pure functions: no I/O, no clock, no randomness (pass those in the
 * command). Implementations must be thread-safe; being stateless, they are.
 *
 * @param <C> commands
 * @param <S> state (an immutable record)
 * @param <E> events (records of a sealed interface)
 */
public interface Decider<C, S, E> {

    /** State of an aggregate that has no events. */
    S initialState();

    /**
     * Decides what happens when {@code command} meets {@code state}.
     *
     * @return the new events; empty when the command changes nothing
     * @throws RuntimeException a domain rejection (e.g. an invalid transition); nothing is appended
     */
    List<E> decide(C command, S state);

    /** Applies one event to a state; must accept every event {@link #decide} can produce, and old ones. */
    S evolve(S state, E event);

    /**
     * A decider from three functions, for deciders small enough to write inline.
     *
     * @param initialState the state of an aggregate without events
     * @param decide see {@link #decide}
     * @param evolve see {@link #evolve}
     */
    static <C, S, E> Decider<C, S, E> of(S initialState, BiFunction<C, S, List<E>> decide, BiFunction<S, E, S> evolve) {
        Objects.requireNonNull(initialState, "initialState");
        Objects.requireNonNull(decide, "decide");
        Objects.requireNonNull(evolve, "evolve");
        return new Decider<>() {
            @Override
            public S initialState() {
                return initialState;
            }

            @Override
            public List<E> decide(C command, S state) {
                return decide.apply(command, state);
            }

            @Override
            public S evolve(S state, E event) {
                return evolve.apply(state, event);
            }
        };
    }
}
