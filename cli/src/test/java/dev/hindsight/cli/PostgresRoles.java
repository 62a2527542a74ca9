package dev.hindsight.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code serve --store postgres --role ROLE} child processes over one fresh PostgreSQL schema, for the role tests:
 * {@link #close()} kills every child it started and drops the schema.
 */
final class PostgresRoles implements AutoCloseable {
    private final String schema;
    private final Path dir;
    private final List<Process> children = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger started = new AtomicInteger();

    /**
     * @param schemaPrefix the schema's name before a random suffix
     * @param dir where the children's stderr files go ({@code ROLE-N.err})
     */
    PostgresRoles(String schemaPrefix, Path dir) {
        this.schema = schemaPrefix + UUID.randomUUID().toString().substring(0, 8);
        this.dir = dir;
    }

    /** The store's schema. */
    String schema() {
        return schema;
    }

    /** Starts {@code serve --role ROLE} on a free port in a child JVM; returns once it names its URL. */
    RoleProcess serve(String role) throws IOException {
        return RoleProcess.start(
                children,
                dir.resolve(role + "-" + started.getAndIncrement() + ".err"),
                List.of(
                        "--port",
                        "0",
                        "--store",
                        "postgres",
                        "--pg-url",
                        PgTestDb.URL,
                        "--pg-user",
                        PgTestDb.USER,
                        "--pg-password",
                        PgTestDb.PASSWORD,
                        "--pg-schema",
                        schema,
                        "--role",
                        role));
    }

    @Override
    public void close() throws SQLException {
        synchronized (children) {
            for (Process p : children) {
                try {
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        PgTestDb.dropStoreSchemas(schema);
    }
}
