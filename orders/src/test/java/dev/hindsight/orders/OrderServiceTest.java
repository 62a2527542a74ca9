package dev.hindsight.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.orders.command.AdjustItems;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.orders.command.DeliverOrder;
import dev.hindsight.orders.command.PayOrder;
import dev.hindsight.orders.command.ShipOrder;
import dev.hindsight.orders.decider.OrderState;
import dev.hindsight.testkit.clock.SettableClock;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The write side: metadata, clock handling and the snapshot policy. */
class OrderServiceTest {
    private static final Instant T = Instant.parse("2026-05-01T10:00:00.123456789Z");
    private static final OrderService.Caller CALLER = new OrderService.Caller("clerk", "req-1");
    private static final List<LineItem> ITEMS = List.of(new LineItem("a", 1, 1_000));

    private final SettableClock clock = new SettableClock(T);
    private final EventStore store = EventStore.of(new InMemoryEventLog());
    private final InMemorySnapshotStore snapshots = new InMemorySnapshotStore(100);
    private final OrderService service = new OrderService(store, snapshots, clock);

    private void create(String id) {
        service.handle(id, at -> new CreateOrder(id, "u", ITEMS, Currency.getInstance("USD"), at), null, CALLER);
    }

    @Test
    void metadata_carriesTimestampUserAndCorrelation_instantsInMicroseconds() {
        create("o1");

        RecordedEvent e = store.read("o1").events().getFirst();
        var meta = Json.parseObject(e.metadata(), "metadata");
        assertThat(meta.get("user_id").asText()).isEqualTo("clerk");
        assertThat(meta.get("correlation_id").asText()).isEqualTo("req-1");
        assertThat(e.timestamp()).isEqualTo(Instant.parse("2026-05-01T10:00:00.123456Z"));
        assertThat(service.load("o1").state().createdAt()).isEqualTo(e.timestamp());
    }

    @Test
    void recentState_cachedOrder_isTheCachedStateElseTheLoadedOne() {
        create("o1");
        OrderService other = new OrderService(store, snapshots, clock);
        other.handle("o1", at -> new AdjustItems(List.of(new LineItem("b", 2, 500)), null, at), null, CALLER);

        // this service cached o1 at version 1 and has not read since: its recent state is that one
        assertThat(service.recentState("o1").currency()).isEqualTo("USD");
        assertThat(service.recentState("o1").items())
                .isEqualTo(service.loadAtVersion("o1", 1).state().items());
        // a service that never saw o2 loads it
        create("o2");
        assertThat(other.recentState("o2")).isEqualTo(other.load("o2").state());
        assertThat(other.recentState("nope").currency()).isEmpty();
    }

    @Test
    void snapshot_ofCommand_hasTheStoredEventsTimestamp() throws InterruptedException {
        create("o1");
        clock.set(T.plusSeconds(5));
        service.handle("o1", at -> new PayOrder("p", new BigDecimal("10.00"), null, "card", at), null, CALLER);
        service.awaitSnapshots();

        Snapshot s = snapshots.latest("o1", Long.MAX_VALUE, null);
        assertThat(s).isNotNull();
        assertThat(s.version()).isEqualTo(2);
        assertThat(s.timestamp()).isEqualTo(store.read("o1").events().get(1).timestamp());
    }

    @Test
    void clockBehindTheLastEvent_commandTakesTheLastEventsInstant() {
        create("o1");
        clock.set(T.minusSeconds(10));

        OrderState paid = service.handle(
                        "o1", at -> new PayOrder("p", new BigDecimal("10.00"), null, "card", at), null, CALLER)
                .state();

        List<RecordedEvent> events = store.read("o1").events();
        assertThat(events).hasSize(2);
        assertThat(events.get(1).timestamp()).isEqualTo(events.get(0).timestamp());
        assertThat(paid.paidAt()).isEqualTo(events.get(1).timestamp());
    }

    @Test
    void snapshots_everyTenEventsAndOnPaidShippedDelivered() throws InterruptedException {
        create("o1");
        for (int i = 0; i < 11; i++) {
            clock.set(clock.instant().plusSeconds(1));
            service.handle("o1", at -> new AdjustItems(ITEMS, null, at), null, CALLER);
        }
        service.handle("o1", at -> new PayOrder("p", new BigDecimal("10"), null, "card", at), null, CALLER);
        service.handle("o1", at -> new ShipOrder("t", "c", at), null, CALLER);
        service.handle("o1", DeliverOrder::new, null, CALLER);
        service.awaitSnapshots();

        assertThat(snapshots.snapshots("o1")).extracting(Snapshot::version).containsExactly(15L, 14L, 13L, 10L);
        assertThat(service.load("o1").fromSnapshot()).isEqualTo(15);
        assertThat(service.loadAtVersion("o1", 12).fromSnapshot()).isEqualTo(10);
        assertThat(service.stats().snapshotFailures()).isZero();
    }
}
