package dev.hindsight.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.Json;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory;
import org.axonframework.messaging.MetaData;
import org.axonframework.serialization.json.JacksonSerializer;

/**
 * Axon Framework 4.13's {@link JdbcEventStorageEngine} on the same PostgreSQL (its own schema, its PostgreSQL table
 * factory, the Jackson serializer), appending domain event messages with sequence numbers (its optimistic concurrency
 * is the unique (aggregate, sequence) key) in one transaction per append, loading with {@code readEvents} and
 * deserializing every payload. A minimal transaction manager binds one pooled connection to the appending thread, as
 * Spring's would. Thread-safe.
 */
final class AxonContender implements Contender {
    static final String VERSION = "4.13.0";
    private final HikariDataSource pool;
    private final ThreadLocal<Connection> transaction = new ThreadLocal<>();
    private final JdbcEventStorageEngine engine;

    AxonContender(String jdbcUrl, String user, String password, String schema, int poolSize) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            st.execute("CREATE SCHEMA " + schema);
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setSchema(schema);
        cfg.setMaximumPoolSize(poolSize);
        this.pool = new HikariDataSource(cfg);
        JacksonSerializer serializer = JacksonSerializer.defaultSerializer();
        this.engine = JdbcEventStorageEngine.builder()
                .connectionProvider(connections())
                .transactionManager(transactions())
                .eventSerializer(serializer)
                .snapshotSerializer(serializer)
                .build();
        engine.createSchema(PostgresEventTableFactory.INSTANCE);
    }

    /** The appending thread's transaction connection (closing it is left to the transaction), else a pooled one. */
    private ConnectionProvider connections() {
        return () -> {
            Connection c = transaction.get();
            if (c == null) {
                return pool.getConnection();
            }
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (p, m, args) -> {
                        if (m.getName().equals("close")) {
                            return null;
                        }
                        return m.invoke(c, args);
                    });
        };
    }

    private TransactionManager transactions() {
        return () -> {
            Connection c;
            try {
                c = pool.getConnection();
                c.setAutoCommit(false);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            transaction.set(c);
            return new Transaction() {
                @Override
                public void commit() {
                    end(c, true);
                }

                @Override
                public void rollback() {
                    end(c, false);
                }
            };
        };
    }

    private void end(Connection c, boolean commit) {
        transaction.remove();
        try (c) {
            if (commit) {
                c.commit();
            } else {
                c.rollback();
            }
            c.setAutoCommit(true);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String name() {
        return "Axon " + VERSION + " JdbcEventStorageEngine";
    }

    @Override
    public void append(String aggregate, long expectedVersion, List<String> events) {
        List<DomainEventMessage<?>> messages = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            JsonNode payload = Json.parseObject(events.get(i), "payload");
            messages.add(new GenericDomainEventMessage<>(
                    "Order", aggregate, expectedVersion + i, payload, MetaData.emptyInstance()));
        }
        engine.appendEvents(messages);
    }

    @Override
    public int load(String aggregate) {
        DomainEventStream stream = engine.readEvents(aggregate);
        int n = 0;
        for (Iterator<? extends DomainEventMessage<?>> it = stream.asStream().iterator(); it.hasNext(); ) {
            it.next().getPayload();
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        pool.close();
    }
}
