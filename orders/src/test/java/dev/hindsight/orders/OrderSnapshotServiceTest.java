package dev.hindsight.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.orders.command.AdjustItems;
import dev.hindsight.orders.command.CancelOrder;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.orders.command.DeliverOrder;
import dev.hindsight.orders.command.PayOrder;
import dev.hindsight.orders.command.ShipOrder;
import dev.hindsight.testkit.GapAfterStartLog;
import dev.hindsight.testkit.InMemoryCheckpointStore;
import dev.hindsight.testkit.clock.SettableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The snapshot service over interleaved orders: it moves the states it keeps over each event it reads, and every
 * snapshot it saves equals the order replayed from the log alone at that version, at every version the policy names;
 * a {@code SubjectForgotten} event in the log (which empties the kept states) changes none of that.
 */
class OrderSnapshotServiceTest {
    private static final OrderService.Caller CALLER = new OrderService.Caller("clerk", "req-1");
    private static final List<LineItem> ITEMS = List.of(new LineItem("a", 2, 1_000));

    private final SettableClock clock = new SettableClock(Instant.parse("2026-05-01T10:00:00Z"));
    private final EventStore store = EventStore.of(new InMemoryEventLog());
    private final OrderService writer = new OrderService(store, null, clock);

    /** A checkpoint store in memory. */
    @Test
    void snapshotsOfInterleavedOrders_equalTheReplayAtTheirVersions() throws Exception {
        Random random = new Random(7);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String id = "ord_" + i;
            String user = "u" + (i % 5);
            ids.add(id);
            writer.handle(id, at -> new CreateOrder(id, user, ITEMS, Currency.getInstance("EUR"), at), null, CALLER);
        }
        // events of the orders interleave in the log; some orders pass 10 events, some are paid, shipped, delivered
        for (int round = 0; round < 14; round++) {
            if (round == 6) {
                store.append(
                        Shredder.AUDIT_STREAM, ExpectedVersion.ANY, Shredder.forgottenEvent("ref", true, "cli:test"));
            }
            for (String id : ids) {
                clock.set(clock.instant().plusSeconds(1));
                int n = Integer.parseInt(id.substring(4));
                if (round < 11 && n % 3 == 0) {
                    writer.handle(id, at -> new AdjustItems(ITEMS, null, at), null, CALLER);
                } else if (round == 11 && n % 3 != 2) {
                    writer.handle(
                            id, at -> new PayOrder("p" + n, new BigDecimal("20"), null, "card", at), null, CALLER);
                } else if (round == 12 && n % 3 != 2 && random.nextBoolean()) {
                    writer.handle(id, at -> new ShipOrder("t" + n, "UPS", at), null, CALLER);
                } else if (round == 13 && n % 3 == 2) {
                    writer.handle(id, at -> new CancelOrder("changed mind", at), null, CALLER);
                }
            }
        }
        for (String id : ids) {
            if (writer.load(id).state().shippedAt() != null) {
                writer.handle(id, DeliverOrder::new, null, CALLER);
            }
        }

        InMemorySnapshotStore snapshots = new InMemorySnapshotStore(100);
        try (OrderSnapshotService service =
                OrderSnapshotService.start(store, snapshots, new InMemoryCheckpointStore(), clock, lag -> {})) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!service.position().covers(store.head())) {
                assertThat(System.nanoTime()).as("caught up").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
        OrderService replay = new OrderService(store, null, clock);
        int checked = 0;
        for (String id : ids) {
            List<Long> expected = new ArrayList<>();
            for (var e : store.read(id).events()) {
                if (OrderSnapshotService.wanted(e)) {
                    expected.add(e.version());
                }
            }
            List<Snapshot> kept = snapshots.snapshots(id);
            assertThat(kept).extracting(Snapshot::version).containsExactlyInAnyOrderElementsOf(expected);
            for (Snapshot s : kept) {
                String replayed = OrderService.STATE_CODEC.write(
                        replay.loadAtVersion(id, s.version()).state());
                assertThat(Json.mapper().readTree(s.state()))
                        .as("snapshot of %s at %d", id, s.version())
                        .isEqualTo(Json.mapper().readTree(replayed));
                checked++;
            }
        }
        assertThat(checked).as("snapshots checked").isGreaterThan(40);
    }

    /**
     * A page with no events whose {@code next} still moves (the file engine's answer after 100,000 retention-deleted
     * positions) is not the end of the log: the service goes on from {@code next} (it read the same page forever).
     */
    @Test
    void emptyPageThatMovesTheCursor_serviceGoesOnFromItsNext() throws Exception {
        InMemoryEventLog memory = new InMemoryEventLog();
        EventStore gapped = EventStore.of(new GapAfterStartLog(memory, Position.of(3)));
        for (int i = 0; i < 5; i++) {
            gapped.append("x-" + i, ExpectedVersion.ANY, EventData.of("Noted", "{}"));
        }
        try (OrderSnapshotService service = OrderSnapshotService.start(
                gapped, new InMemorySnapshotStore(10), new InMemoryCheckpointStore(), clock, lag -> {})) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!service.position().covers(gapped.head()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(service.position()).isEqualTo(Position.of(5));
        }
    }
}
