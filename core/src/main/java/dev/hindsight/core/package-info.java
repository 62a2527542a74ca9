/**
 * The Hindsight user API: events, expected versions, positions, the {@link dev.hindsight.core.EventStore} and its
 * errors. Engines implement {@link dev.hindsight.core.spi.EventLog}; users talk to {@code EventStore}.
 */
@NullMarked
package dev.hindsight.core;

import org.jspecify.annotations.NullMarked;
