/**
 * The PostgreSQL engine: {@link dev.hindsight.store.postgres.PostgresEventLog} (events, with a gap-free global order),
 * {@link dev.hindsight.store.postgres.PostgresSnapshotStore} and
 * {@link dev.hindsight.store.postgres.PostgresCheckpointStore}, over JDBC with a HikariCP pool and a schema managed by
 * Flyway (scripts in {@code db/hindsight}). Several stores can share a database, one schema each. The design of the
 * global order is in {@code docs/adr/0004-postgres-global-order.md}.
 */
@NullMarked
package dev.hindsight.store.postgres;

import org.jspecify.annotations.NullMarked;
