package dev.hindsight.spring;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configures Hindsight from {@link HindsightProperties}: the {@link EventLog} engine ({@code hindsight.store}), the
 * {@link EventStore} (stamping events with the application's {@link Clock} bean if it has one), a {@link SnapshotStore}, {@link AggregateRepositories} for the {@link AggregateDefinition} beans
 * and a started {@link ProjectionEngine} for the {@link Projection} beans (read model in the application's PostgreSQL
 * with {@code hindsight.store=postgres}, else SQLite in {@code hindsight.directory}). Each bean backs off when the
 * application defines one of its type. Metrics and health: {@link HindsightObservabilityConfiguration}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@EnableConfigurationProperties(HindsightProperties.class)
public class HindsightAutoConfiguration {

    @Bean(destroyMethod = "") // closed by the EventStore
    @ConditionalOnMissingBean
    EventLog hindsightEventLog(HindsightProperties p, ObjectProvider<DataSource> dataSource) {
        return switch (p.store()) {
            case FILE -> FileEventLog.open(FileLogOptions.defaults(p.directory().resolve("log")));
            case POSTGRES -> PostgresEngine.open(requireDataSource(dataSource), p);
            case KAFKA -> KafkaEngine.open(p);
        };
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    EventStore hindsightEventStore(EventLog log, ObjectProvider<Clock> clock) {
        return EventStore.builder(log)
                .clock(clock.getIfAvailable(Clock::systemUTC))
                .build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    SnapshotStore hindsightSnapshotStore(HindsightProperties p, ObjectProvider<DataSource> dataSource) {
        return p.store() == HindsightProperties.Store.POSTGRES
                ? PostgresEngine.snapshots(requireDataSource(dataSource), p)
                : FileSnapshotStore.open(p.directory().resolve("snapshots"), SnapshotRetention.DEFAULT);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    AggregateRepositories hindsightRepositories(
            EventStore store,
            SnapshotStore snapshots,
            HindsightProperties p,
            ObjectProvider<AggregateDefinition<?, ?, ?>> definitions) {
        List<AggregateDefinition<?, ?, ?>> defs = definitions.orderedStream().toList();
        return new AggregateRepositories(store, snapshots, p.snapshotEvery(), defs);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ReadModelDatabase hindsightReadModel(HindsightProperties p, ObjectProvider<DataSource> dataSource) {
        DataSource ds = dataSource.getIfAvailable();
        return p.store() == HindsightProperties.Store.POSTGRES && ds != null
                ? ReadModelDatabase.postgres(ds)
                : ReadModelDatabase.sqlite(p.directory().resolve("read-model.db"));
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ProjectionEngine hindsightProjections(
            EventStore store, ReadModelDatabase readModel, ObjectProvider<Projection> projections) {
        ProjectionEngine.Builder b = ProjectionEngine.builder(store, readModel);
        projections.orderedStream().forEach(b::add);
        return b.build().start();
    }

    private static DataSource requireDataSource(ObjectProvider<DataSource> dataSource) {
        DataSource ds = dataSource.getIfAvailable();
        if (ds == null) {
            throw new IllegalStateException(
                    "hindsight.store=postgres needs a DataSource bean (spring.datasource.url, or define one)");
        }
        return ds;
    }
}
