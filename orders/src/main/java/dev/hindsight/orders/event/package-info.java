/**
 * What happened to orders: immutable facts, stored forever. Their JSON ({@link dev.hindsight.orders.event.OrderEvents})
 * is snake_case with amounts as decimal numbers at the currency's scale and instants in ISO-8601 UTC; the business time
 * of each event ({@code *_at}) equals its {@code metadata.timestamp}. Changing a shape means a new
 * {@code schema_version} and an upcaster, never rewriting stored events.
 */
@NullMarked
package dev.hindsight.orders.event;

import org.jspecify.annotations.NullMarked;
