/**
 * The HTTP face of Hindsight: {@link dev.hindsight.server.HindsightServer} serves the JSON events API, the
 * Server-Sent-Events live feed, {@code /health} and Prometheus {@code /metrics} over any
 * {@link dev.hindsight.core.EventStore}. Implementation classes live in {@code dev.hindsight.server.internal}.
 */
@NullMarked
package dev.hindsight.server;

import org.jspecify.annotations.NullMarked;
