package dev.hindsight.bench.peers;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Hindsight's PostgreSQL engine through the public {@link EventStore} API, in its own schema, with or without
 * app-side group commit. Thread-safe.
 */
final class HindsightContender implements Contender {
    private final EventStore store;
    private final String name;

    HindsightContender(String jdbcUrl, String user, String password, String schema, boolean groupCommit)
            throws java.sql.SQLException {
        PostgresOptions defaults = PostgresOptions.defaults(jdbcUrl);
        PostgresOptions options = defaults.toBuilder()
                .credentials(user, password)
                .schema(schema)
                .groupCommit(groupCommit, defaults.groupCommitWriters())
                .build();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl, user, password);
                java.sql.Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        this.store = EventStore.of(PostgresEventLog.open(options));
        this.name = "Hindsight PostgreSQL, group commit " + (groupCommit ? "on" : "off");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void append(String aggregate, long expectedVersion, List<String> events) {
        List<EventData> data = new ArrayList<>(events.size());
        for (String e : events) {
            data.add(EventData.of("OrderPlaced", e));
        }
        store.append(aggregate, ExpectedVersion.exact(expectedVersion), data);
    }

    @Override
    public int load(String aggregate) {
        return store.read(aggregate).events().size();
    }

    @Override
    public void close() {
        store.close();
    }
}
