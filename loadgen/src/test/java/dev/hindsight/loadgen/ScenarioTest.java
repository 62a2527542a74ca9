package dev.hindsight.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.orders.decider.OrderDecider;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.orders.decider.OrderStatus;
import dev.hindsight.orders.event.OrderEvent;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every planned lifecycle is one the order rules accept, and the mix is the seed's (about ten events an order). */
class ScenarioTest {
    @Test
    void everyPlan_isAcceptedByTheDecider_aboutTenEventsPerOrder() {
        Scenario scenario = new Scenario(42, 1000, 100_000, 1);
        Map<OrderStatus, Integer> finalStatus = new EnumMap<>(OrderStatus.class);
        long events = 0;
        int orders = 5_000;
        for (int i = 0; i < orders; i++) {
            OrderRun run = scenario.order(i);
            OrderState state = OrderDecider.INSTANCE.initialState();
            Instant at = Instant.parse("2026-01-01T00:00:00Z");
            long version = 0;
            while (!run.done()) {
                at = at.plusNanos(run.delayBeforeNext() * 1000);
                List<OrderEvent> produced =
                        OrderDecider.INSTANCE.decide(run.nextCommand().apply(at), state);
                for (OrderEvent e : produced) {
                    state = OrderDecider.INSTANCE.evolve(state, e);
                }
                version += produced.size();
                run.succeeded(run.orderId(), version);
            }
            events += version;
            finalStatus.merge(state.status(), 1, Integer::sum);
        }

        assertThat((double) events / orders).isBetween(9.0, 11.0);
        // a return always ends refunded, so RETURNED is never final
        assertThat(finalStatus.keySet())
                .containsOnly(OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.REFUNDED);
        assertThat(finalStatus.get(OrderStatus.DELIVERED)).isGreaterThan(orders * 3 / 4);
    }

    @Test
    void sameSeed_samePlans_uniqueIdsPerRun() {
        OrderRun a = new Scenario(1, 100, 1000, 1).order(5);
        OrderRun b = new Scenario(1, 100, 1000, 2).order(5);

        assertThat(a.userId()).isEqualTo(b.userId());
        assertThat(a.plannedEvents()).isEqualTo(b.plannedEvents());
        assertThat(a.orderId()).isNotEqualTo(b.orderId());
    }
}
