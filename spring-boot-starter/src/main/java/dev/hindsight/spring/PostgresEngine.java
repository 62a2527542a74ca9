package dev.hindsight.spring;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSnapshotStore;
import javax.sql.DataSource;

/** The PostgreSQL engine on the application's {@code DataSource}; loaded only when {@code hindsight.store=postgres}. */
final class PostgresEngine {
    private PostgresEngine() {}

    /** The connection settings are the pool's; only the schema (and behaviour) come from the options. */
    private static PostgresOptions options(HindsightProperties p) {
        return PostgresOptions.defaults("jdbc:postgresql:datasource").withSchema(p.postgresSchema());
    }

    static EventLog open(DataSource dataSource, HindsightProperties p) {
        return PostgresEventLog.open(dataSource, options(p));
    }

    static SnapshotStore snapshots(DataSource dataSource, HindsightProperties p) {
        return PostgresSnapshotStore.open(dataSource, options(p), SnapshotRetention.DEFAULT);
    }
}
