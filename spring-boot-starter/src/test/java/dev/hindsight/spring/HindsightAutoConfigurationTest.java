package dev.hindsight.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.aggregate.CommandResult;
import dev.hindsight.aggregate.Decider;
import dev.hindsight.aggregate.EventTypeRegistry;
import dev.hindsight.aggregate.StateCodec;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.SqlSession;
import dev.hindsight.store.file.FileEventLog;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration in real application contexts, on the real file engine in a temporary directory. */
class HindsightAutoConfigurationTest {
    record Add(long n) {}

    record Added(long n) {}

    record Total(long n) {}

    static final AggregateDefinition<Add, Total, Added> COUNTER = new AggregateDefinition<>(
            "counter",
            Decider.of(new Total(0), (c, s) -> List.of(new Added(c.n())), (s, e) -> new Total(s.n() + e.n())),
            EventTypeRegistry.<Added>builder().register(Added.class, "Added").build(),
            StateCodec.of(Total.class, 1));

    /** Counts events per aggregate. */
    static final class Counts implements Projection {
        @Override
        public String name() {
            return "counts";
        }

        @Override
        public List<String> tables() {
            return List.of("counts");
        }

        @Override
        public void createTables(SqlSession s) throws SQLException {
            try (Statement st = s.connection().createStatement()) {
                st.execute("CREATE TABLE " + s.table("counts") + " (id TEXT PRIMARY KEY, n BIGINT NOT NULL)");
            }
        }

        @Override
        public void apply(RecordedEvent e, SqlSession s) throws SQLException {
            var up = s.prepare("INSERT INTO " + s.table("counts") + " (id, n) VALUES (?, 1) ON CONFLICT (id) DO UPDATE"
                    + " SET n = " + s.table("counts") + ".n + 1");
            up.setString(1, e.aggregateId());
            up.executeUpdate();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {
        @Bean
        AggregateDefinition<Add, Total, Added> counter() {
            return COUNTER;
        }

        @Bean
        Counts counts() {
            return new Counts();
        }
    }

    @TempDir
    Path dir;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        HindsightAutoConfiguration.class, HindsightObservabilityConfiguration.class))
                .withUserConfiguration(App.class)
                .withPropertyValues("hindsight.directory=" + dir);
    }

    @Test
    void fileStore_byDefault_handlesCommandsAndProjects() {
        runner().run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(EventLog.class)).isInstanceOf(FileEventLog.class);
            AggregateRepositories repos = ctx.getBean(AggregateRepositories.class);
            assertThat(repos.names()).containsExactly("counter");

            CommandResult<Total, Added> r = null;
            for (int i = 1; i <= 3; i++) {
                r = repos.of(COUNTER).handle("c-1", new Add(i));
            }
            assertThat(r.state()).isEqualTo(new Total(6));
            assertThat(repos.of(COUNTER).load("c-1").version()).isEqualTo(3);

            ProjectionEngine projections = ctx.getBean(ProjectionEngine.class);
            assertThat(projections.awaitPosition(
                            "counts", Objects.requireNonNull(r.position()), Duration.ofSeconds(10)))
                    .isTrue();
            long n = projections.query("counts", s -> {
                try (Statement st = s.connection().createStatement();
                        ResultSet rs = st.executeQuery("SELECT n FROM " + s.table("counts") + " WHERE id = 'c-1'")) {
                    return rs.next() ? rs.getLong(1) : -1L;
                }
            });
            assertThat(n).isEqualTo(3);
        });
    }

    @Test
    void healthAndMetrics_reportTheStoreAndProjections() {
        runner().run(ctx -> {
            HealthIndicator health = ctx.getBean("hindsightHealthIndicator", HealthIndicator.class);
            var h = health.health(true);
            assertThat(h.getStatus()).isEqualTo(Status.UP);
            assertThat(h.getDetails()).containsKeys("head", "projection.counts");

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ctx.getBean("hindsightMetrics", MeterBinder.class).bindTo(registry);
            assertThat(registry.get("hindsight.projection.lag.events")
                            .tag("projection", "counts")
                            .gauge()
                            .value())
                    .isGreaterThanOrEqualTo(0);
        });
    }

    @Test
    void ownEventLogBean_winsOverTheProperty() {
        runner().withBean(EventLog.class, InMemoryEventLog::new).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(EventStore.class).log()).isInstanceOf(InMemoryEventLog.class);
        });
    }

    @Test
    void postgresStore_withoutDataSource_failsNamingWhatIsMissing() {
        runner().withPropertyValues("hindsight.store=postgres")
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("hindsight.store=postgres needs a DataSource bean"));
    }

    @Test
    void unknownStore_failsNamingTheProperty() {
        runner().withPropertyValues("hindsight.store=mongodb")
                .run(ctx -> assertThat(ctx).hasFailed().getFailure().hasStackTraceContaining("hindsight.store"));
    }

    @Test
    void duplicateDefinitionNames_fail() {
        runner().withBean("counter2", AggregateDefinition.class, () -> COUNTER)
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("two AggregateDefinition beans are named 'counter'"));
    }
}
