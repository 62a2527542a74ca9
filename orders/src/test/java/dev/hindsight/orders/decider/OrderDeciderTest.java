package dev.hindsight.orders.decider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.command.AdjustItems;
import dev.hindsight.orders.command.CancelOrder;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.orders.command.DeliverOrder;
import dev.hindsight.orders.command.OrderCommand;
import dev.hindsight.orders.command.PayOrder;
import dev.hindsight.orders.command.RefundOrder;
import dev.hindsight.orders.command.ReturnOrder;
import dev.hindsight.orders.command.ShipOrder;
import dev.hindsight.orders.event.OrderEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The lifecycle as a table: every command in every status is either allowed or refused as invalid_transition. */
class OrderDeciderTest {
    private static final OrderDecider D = OrderDecider.INSTANCE;
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static final Currency USD = Currency.getInstance("USD");
    private static final List<LineItem> ITEMS = List.of(new LineItem("a", 2, 1_500));

    private static final Map<String, Function<Instant, OrderCommand>> COMMANDS = Map.of(
            "adjust", at -> new AdjustItems(ITEMS, null, at),
            "pay", at -> new PayOrder("p", new BigDecimal("30.00"), null, "card", at),
            "ship", at -> new ShipOrder("t", "c", at),
            "deliver", DeliverOrder::new,
            "cancel", at -> new CancelOrder(null, at),
            "return", at -> new ReturnOrder(null, at),
            "refund", at -> new RefundOrder("r", null, null, at));

    /** Where each status is reached from a new order, and what it allows. */
    private static final Map<OrderStatus, List<String>> PATH = new EnumMap<>(Map.of(
            OrderStatus.CREATED, List.of(),
            OrderStatus.PAID, List.of("pay"),
            OrderStatus.SHIPPED, List.of("pay", "ship"),
            OrderStatus.DELIVERED, List.of("pay", "ship", "deliver"),
            OrderStatus.CANCELLED, List.of("pay", "cancel"),
            OrderStatus.RETURNED, List.of("pay", "ship", "deliver", "return"),
            OrderStatus.REFUNDED, List.of("pay", "ship", "deliver", "return", "refund")));

    private static final Map<OrderStatus, Set<String>> ALLOWED = new EnumMap<>(Map.of(
            OrderStatus.CREATED, Set.of("adjust", "pay", "cancel"),
            OrderStatus.PAID, Set.of("ship", "cancel"),
            OrderStatus.SHIPPED, Set.of("deliver"),
            OrderStatus.DELIVERED, Set.of("return"),
            OrderStatus.CANCELLED, Set.of("refund"),
            OrderStatus.RETURNED, Set.of("refund"),
            OrderStatus.REFUNDED, Set.of()));

    private static OrderState run(List<String> commands) {
        OrderState s = apply(D.initialState(), new CreateOrder("o1", "u", ITEMS, USD, T));
        for (String c : commands) {
            s = apply(s, COMMANDS.get(c).apply(T));
        }
        return s;
    }

    private static OrderState apply(OrderState s, OrderCommand c) {
        for (OrderEvent e : D.decide(c, s)) {
            s = D.evolve(s, e);
        }
        return s;
    }

    @Test
    void everyCommandInEveryStatus_allowedOrInvalidTransition() {
        for (OrderStatus status : PATH.keySet()) {
            OrderState s = run(PATH.get(status));
            assertThat(s.status()).isEqualTo(status);
            for (Map.Entry<String, Function<Instant, OrderCommand>> c : COMMANDS.entrySet()) {
                if (ALLOWED.get(status).contains(c.getKey())) {
                    assertThat(D.decide(c.getValue().apply(T), s))
                            .as(status + " " + c.getKey())
                            .hasSize(1);
                } else {
                    assertThatThrownBy(() -> D.decide(c.getValue().apply(T), s))
                            .as(status + " " + c.getKey())
                            .isInstanceOfSatisfying(
                                    OrderRejected.class,
                                    r -> assertThat(r.reason()).isEqualTo(OrderRejected.Reason.INVALID_TRANSITION));
                }
            }
        }
    }

    @Test
    void commandsOnNoOrder_notFound_createTwice_alreadyExists() {
        for (Function<Instant, OrderCommand> c : COMMANDS.values()) {
            assertThatThrownBy(() -> D.decide(c.apply(T), D.initialState()))
                    .isInstanceOfSatisfying(
                            OrderRejected.class, r -> assertThat(r.code()).isEqualTo("not_found"));
        }
        assertThatThrownBy(() -> D.decide(new CreateOrder("o1", "u", ITEMS, USD, T), run(List.of())))
                .isInstanceOfSatisfying(
                        OrderRejected.class, r -> assertThat(r.code()).isEqualTo("already_exists"));
    }

    @Test
    void payment_mustMatchTotalAndCurrency_decimalsBeyondTheCurrencyAreMalformed() {
        OrderState created = run(List.of());
        assertThatThrownBy(() -> D.decide(new PayOrder("p", new BigDecimal("29.99"), null, "c", T), created))
                .hasMessageContaining("29.99 USD")
                .extracting(e -> ((OrderRejected) e).code())
                .isEqualTo("amount_mismatch");
        assertThatThrownBy(() -> D.decide(new PayOrder("p", new BigDecimal("30"), "EUR", "c", T), created))
                .extracting(e -> ((OrderRejected) e).code())
                .isEqualTo("amount_mismatch");
        assertThatThrownBy(() -> D.decide(new PayOrder("p", new BigDecimal("30.001"), null, "c", T), created))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(D.decide(new PayOrder("p", new BigDecimal("30.000"), "USD", "c", T), created))
                .hasSize(1);
    }

    @Test
    void refunds_partialThenRest_thenNothingLeft() {
        OrderState cancelled = run(List.of("pay", "cancel"));
        OrderState part = apply(cancelled, new RefundOrder("r1", new BigDecimal("10"), null, T));
        assertThat(part.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(part.refundable()).isEqualTo(2_000);
        assertThatThrownBy(() -> D.decide(new RefundOrder("r2", new BigDecimal("20.01"), null, T), part))
                .extracting(e -> ((OrderRejected) e).code())
                .isEqualTo("amount_mismatch");
        OrderState all = apply(part, new RefundOrder("r2", null, null, T));
        assertThat(all.status()).isEqualTo(OrderStatus.REFUNDED);
        assertThat(all.refundedAmount()).isEqualTo(3_000);
        OrderState unpaidCancel = run(List.of("cancel"));
        assertThatThrownBy(() -> D.decide(new RefundOrder("r", null, null, T), unpaidCancel))
                .extracting(e -> ((OrderRejected) e).code())
                .isEqualTo("invalid_transition");
    }

    @Test
    void adjustment_isACorrection_totalsFollowTheNewLines() {
        OrderState s = apply(run(List.of()), new AdjustItems(List.of(new LineItem("b", 3, 999)), "typo", T));
        assertThat(s.totalAmount()).isEqualTo(2_997);
        assertThat(s.items()).containsExactly(new LineItem("b", 3, 999));
    }
}
