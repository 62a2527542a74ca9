/**
 * The order system's HTTP API, mounted into the Hindsight server as a {@link dev.hindsight.server.ServerPlugin}:
 * commands ({@code POST /api/orders...}), the write-side state with time travel, the audit trail, the read-model list
 * and projection status. Conventions are the events API's: snake_case JSON, ISO-8601 UTC instants, errors
 * {@code {"error", "message"}}; amounts are decimal numbers at the currency's scale. The OpenAPI description is the
 * resource {@code openapi.json} beside these classes.
 */
@NullMarked
package dev.hindsight.orders.http;

import org.jspecify.annotations.NullMarked;
