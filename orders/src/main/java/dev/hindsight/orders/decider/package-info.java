/**
 * The rules of an order as pure functions: {@link dev.hindsight.orders.decider.OrderDecider} decides which events a
 * command produces (or rejects it with {@link dev.hindsight.orders.decider.OrderRejected}) and evolves the
 * {@link dev.hindsight.orders.decider.OrderState}. The lifecycle:
 *
 * <pre>
 * created ─pay→ paid ─ship→ shipped ─deliver→ delivered ─return→ returned ─refund→ refunded
 *    │  ↺ adjust   │                                                                 ↑
 *    └──cancel──→ cancelled ←──cancel── (paid)            cancelled (if paid) ─refund──┘
 * </pre>
 */
@NullMarked
package dev.hindsight.orders.decider;

import org.jspecify.annotations.NullMarked;
