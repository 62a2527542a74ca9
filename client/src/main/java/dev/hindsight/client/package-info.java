/**
 * A remote Hindsight server as an engine: {@link dev.hindsight.client.RemoteEventLog} implements the
 * {@link dev.hindsight.core.spi.EventLog} SPI over the server's HTTP API, so {@code EventStore.of(remoteLog)}, the
 * aggregate repository and projections work against a server exactly as against an embedded engine. The API is
 * {@code RemoteEventLog} and its {@code Options}; {@code dev.hindsight.client.internal} is not API.
 */
@NullMarked
package dev.hindsight.client;

import org.jspecify.annotations.NullMarked;
