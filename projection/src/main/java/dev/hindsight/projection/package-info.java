/**
 * CQRS read models: a {@link dev.hindsight.projection.Projection} turns events into rows of SQL tables; a
 * {@link dev.hindsight.projection.ProjectionEngine} keeps it up to date from the global log, committing each batch and
 * its checkpoint in one transaction (exactly-once effect), reports lag, waits for positions (read-your-writes),
 * rebuilds beside the live tables and verifies them against the log.
 */
@NullMarked
package dev.hindsight.projection;

import org.jspecify.annotations.NullMarked;
