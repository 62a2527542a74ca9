/**
 * The {@code orders} read model (the seed's Step 4): one row per order with its status, total and milestones, indexed
 * by {@code (user_id, created_at)} and {@code (status)}, queried newest first with keyset pagination. The SQL is the
 * same for SQLite and PostgreSQL. Amounts are minor units ({@code BIGINT}); instants are microseconds since the epoch
 * ({@code BIGINT}), which both databases compare, index and paginate on the same way.
 */
@NullMarked
package dev.hindsight.orders.projection;

import org.jspecify.annotations.NullMarked;
