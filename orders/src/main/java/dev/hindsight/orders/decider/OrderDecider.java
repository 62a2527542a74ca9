package dev.hindsight.orders.decider;

import dev.hindsight.aggregate.Decider;
import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.Money;
import dev.hindsight.orders.command.AdjustItems;
import dev.hindsight.orders.command.CancelOrder;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.orders.command.DeliverOrder;
import dev.hindsight.orders.command.OrderCommand;
import dev.hindsight.orders.command.PayOrder;
import dev.hindsight.orders.command.RefundOrder;
import dev.hindsight.orders.command.ReturnOrder;
import dev.hindsight.orders.command.ShipOrder;
import dev.hindsight.orders.decider.OrderRejected.Reason;
import dev.hindsight.orders.event.OrderCancelled;
import dev.hindsight.orders.event.OrderCreated;
import dev.hindsight.orders.event.OrderDelivered;
import dev.hindsight.orders.event.OrderEvent;
import dev.hindsight.orders.event.OrderItemsAdjusted;
import dev.hindsight.orders.event.OrderLine;
import dev.hindsight.orders.event.OrderPaid;
import dev.hindsight.orders.event.OrderRefunded;
import dev.hindsight.orders.event.OrderReturned;
import dev.hindsight.orders.event.OrderShipped;
import java.util.Arrays;
import java.util.Currency;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The order rules. Every command is checked against the status first (a command on an order that does not exist is
 * {@link Reason#NOT_FOUND}; one the status does not allow is {@link Reason#INVALID_TRANSITION}), then against its
 * amounts ({@link Reason#AMOUNT_MISMATCH}; an amount with more decimals than the currency has is malformed input).
 * Each accepted command produces exactly one event, whose business time is the command's. Stateless and thread-safe.
 */
public final class OrderDecider implements Decider<OrderCommand, OrderState, OrderEvent> {
    public static final OrderDecider INSTANCE = new OrderDecider();

    private OrderDecider() {}

    @Override
    public OrderState initialState() {
        return OrderState.NONE;
    }

    @Override
    public List<OrderEvent> decide(OrderCommand command, OrderState s) {
        if (command instanceof CreateOrder c) {
            if (s.status() != OrderStatus.NONE) {
                throw new OrderRejected(Reason.ALREADY_EXISTS, "order '" + s.orderId() + "' already exists");
            }
            long total = LineItem.total(c.items());
            return List.of(new OrderCreated(
                    c.orderId(),
                    c.userId(),
                    OrderLine.of(c.items(), c.currency()),
                    c.currency().getCurrencyCode(),
                    new Money(total, c.currency()).decimal(),
                    c.at()));
        }
        if (s.status() == OrderStatus.NONE) {
            throw new OrderRejected(Reason.NOT_FOUND, "no such order");
        }
        Currency currency = Currency.getInstance(s.currency());
        return List.of(
                switch (command) {
                    case CreateOrder c -> throw new IllegalStateException("handled above");
                    case AdjustItems a -> {
                        allow(s, a, OrderStatus.CREATED);
                        Money total = new Money(LineItem.total(a.items()), currency);
                        yield new OrderItemsAdjusted(
                                OrderLine.of(a.items(), currency), total.decimal(), s.currency(), a.reason(), a.at());
                    }
                    case PayOrder p -> {
                        allow(s, p, OrderStatus.CREATED);
                        Money amount = Money.of(p.amount(), currency, "amount");
                        if (p.currency() != null && !p.currency().equals(s.currency())) {
                            throw new OrderRejected(
                                    Reason.AMOUNT_MISMATCH,
                                    "payment in " + p.currency() + " for an order in " + s.currency());
                        }
                        if (amount.minor() != s.totalAmount()) {
                            throw new OrderRejected(
                                    Reason.AMOUNT_MISMATCH,
                                    "payment of " + amount + " does not match the" + " order total "
                                            + new Money(s.totalAmount(), currency));
                        }
                        yield new OrderPaid(p.paymentId(), amount.decimal(), s.currency(), p.paymentMethod(), p.at());
                    }
                    case ShipOrder sh -> {
                        allow(s, sh, OrderStatus.PAID);
                        yield new OrderShipped(sh.trackingNumber(), sh.carrier(), sh.at());
                    }
                    case DeliverOrder d -> {
                        allow(s, d, OrderStatus.SHIPPED);
                        yield new OrderDelivered(d.at());
                    }
                    case CancelOrder c -> {
                        allow(s, c, OrderStatus.CREATED, OrderStatus.PAID);
                        yield new OrderCancelled(c.reason(), c.at());
                    }
                    case ReturnOrder r -> {
                        allow(s, r, OrderStatus.DELIVERED);
                        yield new OrderReturned(r.reason(), r.at());
                    }
                    case RefundOrder r -> refund(s, r, currency);
                });
    }

    private static OrderRefunded refund(OrderState s, RefundOrder r, Currency currency) {
        allow(s, r, OrderStatus.CANCELLED, OrderStatus.RETURNED);
        if (s.refundable() == 0) {
            throw new OrderRejected(
                    Reason.INVALID_TRANSITION, "cannot refund: nothing was paid or all of it was" + " refunded");
        }
        Money amount =
                r.amount() == null ? new Money(s.refundable(), currency) : Money.of(r.amount(), currency, "amount");
        if (amount.minor() == 0 || amount.minor() > s.refundable()) {
            throw new OrderRejected(
                    Reason.AMOUNT_MISMATCH,
                    "refund of " + amount + " must be more than 0 and at most" + " the "
                            + new Money(s.refundable(), currency) + " left to refund");
        }
        return new OrderRefunded(r.refundId(), amount.decimal(), s.currency(), r.reason(), r.at());
    }

    private static void allow(OrderState s, OrderCommand c, OrderStatus... allowed) {
        Set<OrderStatus> ok = EnumSet.copyOf(Arrays.asList(allowed));
        if (!ok.contains(s.status())) {
            throw new OrderRejected(
                    Reason.INVALID_TRANSITION,
                    "cannot " + c.verb() + " an order that is "
                            + s.status().wire() + " (only one that is "
                            + ok.stream().map(OrderStatus::wire).collect(Collectors.joining(" or ")) + ")");
        }
    }

    @Override
    public OrderState evolve(OrderState s, OrderEvent e) {
        OrderState.Draft d = s.draft();
        d.updatedAt = e.at();
        switch (e) {
            case OrderCreated c -> {
                Currency currency = Currency.getInstance(c.currency());
                d.status = OrderStatus.CREATED;
                d.orderId = c.orderId();
                d.userId = c.userId();
                d.currency = c.currency();
                d.items = OrderLine.toItems(c.items(), currency);
                d.totalAmount =
                        Money.of(c.totalAmount(), currency, "total_amount").minor();
                d.createdAt = c.createdAt();
            }
            case OrderItemsAdjusted a -> {
                Currency currency = Currency.getInstance(a.currency());
                d.items = OrderLine.toItems(a.items(), currency);
                d.totalAmount =
                        Money.of(a.totalAmount(), currency, "total_amount").minor();
            }
            case OrderPaid p -> {
                d.status = OrderStatus.PAID;
                d.paidAmount = Money.of(p.amount(), Currency.getInstance(p.currency()), "amount")
                        .minor();
                d.paymentId = p.paymentId();
                d.paymentMethod = p.paymentMethod();
                d.paidAt = p.paidAt();
            }
            case OrderShipped sh -> {
                d.status = OrderStatus.SHIPPED;
                d.trackingNumber = sh.trackingNumber();
                d.carrier = sh.carrier();
                d.shippedAt = sh.shippedAt();
            }
            case OrderDelivered dl -> {
                d.status = OrderStatus.DELIVERED;
                d.deliveredAt = dl.deliveredAt();
            }
            case OrderCancelled c -> {
                d.status = OrderStatus.CANCELLED;
                d.cancelReason = c.reason();
                d.cancelledAt = c.cancelledAt();
            }
            case OrderReturned r -> {
                d.status = OrderStatus.RETURNED;
                d.returnReason = r.reason();
                d.returnedAt = r.returnedAt();
            }
            case OrderRefunded r -> {
                d.refundedAmount += Money.of(r.amount(), Currency.getInstance(r.currency()), "amount")
                        .minor();
                d.refundedAt = r.refundedAt();
                if (d.refundedAmount >= d.paidAmount) {
                    d.status = OrderStatus.REFUNDED;
                }
            }
        }
        return d.build();
    }
}
