package dev.hindsight.bench.peers;

import java.util.List;

/**
 * One event store under test on the shared PostgreSQL: appends with an expected version and whole-aggregate loads.
 * Implementations are thread-safe; each appender thread appends only to aggregates of its own.
 */
interface Contender extends AutoCloseable {

    /** The name printed in the table. */
    String name();

    /**
     * Appends {@code events} (JSON object texts) to {@code aggregate}, atomically, expecting it to hold exactly
     * {@code expectedVersion} events before.
     */
    void append(String aggregate, long expectedVersion, List<String> events) throws Exception;

    /** Loads every event of {@code aggregate}; returns how many there were. */
    int load(String aggregate) throws Exception;

    @Override
    void close();
}
