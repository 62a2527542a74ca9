/**
 * State reconstruction: {@link dev.hindsight.aggregate.Decider}s (pure decide/evolve functions), the explicit
 * {@link dev.hindsight.aggregate.EventTypeRegistry}, {@link dev.hindsight.aggregate.Upcasters} applied on read,
 * snapshot policies, and the {@link dev.hindsight.aggregate.AggregateRepository} that loads (snapshot + replay), time
 * travels, and handles commands with optimistic retries.
 */
@NullMarked
package dev.hindsight.aggregate;

import org.jspecify.annotations.NullMarked;
