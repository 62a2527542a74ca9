package dev.hindsight.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.projection.Dialect;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresSnapshotStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code hindsight.store=postgres} on the application's {@code DataSource} (the database of {@code HINDSIGHT_PG_URL},
 * as {@code ./test.sh} sets it up): engine, snapshots and read model all in it.
 */
class HindsightPostgresAutoConfigurationIT {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    @TempDir
    java.nio.file.Path dir;

    @Test
    void postgresStore_usesTheApplicationsDataSource() throws Exception {
        String schema = ("t_spring_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(URL);
        ds.setUser(USER);
        ds.setPassword(PASSWORD);
        try {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(
                            HindsightAutoConfiguration.class, HindsightObservabilityConfiguration.class))
                    .withUserConfiguration(HindsightAutoConfigurationTest.App.class)
                    .withBean(DataSource.class, () -> ds)
                    .withPropertyValues(
                            "hindsight.store=postgres",
                            "hindsight.postgres-schema=" + schema,
                            "hindsight.directory=" + dir)
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed();
                        assertThat(ctx.getBean(EventLog.class)).isInstanceOf(PostgresEventLog.class);
                        assertThat(ctx.getBean(SnapshotStore.class)).isInstanceOf(PostgresSnapshotStore.class);
                        assertThat(ctx.getBean(ProjectionEngine.class)
                                        .database()
                                        .dialect())
                                .isEqualTo(Dialect.POSTGRES);
                        var repo = ctx.getBean(AggregateRepositories.class).of(HindsightAutoConfigurationTest.COUNTER);
                        repo.handle("c-1", new HindsightAutoConfigurationTest.Add(5));
                        assertThat(repo.load("c-1").state()).isEqualTo(new HindsightAutoConfigurationTest.Total(5));
                    });
        } finally {
            try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
