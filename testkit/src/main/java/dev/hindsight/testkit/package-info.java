/**
 * The conformance suite (TCK) every storage engine must pass. An engine's test extends {@link
 * dev.hindsight.testkit.EventLogTck} with a fixture that opens an empty {@link dev.hindsight.core.spi.EventLog}; each
 * capability (append/read, expected version, concurrency, idempotency, timestamp order, as-of reads, global log,
 * subscriptions, validation) is a {@code *Tck} class run as a nested suite.
 */
@NullMarked
package dev.hindsight.testkit;

import org.jspecify.annotations.NullMarked;
