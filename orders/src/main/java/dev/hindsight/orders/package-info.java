/**
 * The order system, Hindsight's reference application (the seed's design challenge), organised by feature:
 * {@code command} (what users ask), {@code event} (what happened), {@code decider} (the pure rules and the state),
 * {@code projection} (the {@code orders} read model) and {@code http} (the API mounted into the server). This package
 * holds the shared value types ({@link dev.hindsight.orders.Money}, {@link dev.hindsight.orders.LineItem}), the
 * application service and the assembly ({@link dev.hindsight.orders.OrderSystem}).
 */
@NullMarked
package dev.hindsight.orders;

import org.jspecify.annotations.NullMarked;
