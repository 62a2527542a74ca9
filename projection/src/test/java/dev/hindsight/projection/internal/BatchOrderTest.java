package dev.hindsight.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BatchOrderTest {
    private static final String[] TYPES = {"Created", "Paid", "Shipped", "Delivered", "Cancelled"};

    @Test
    void waves_randomBatches_keepEachAggregatesOrderAndEveryEvent() {
        Random random = new Random(20261205);
        for (int round = 0; round < 500; round++) {
            List<RecordedEvent> batch = batch(random, 1 + random.nextInt(300), 1 + random.nextInt(60));

            List<RecordedEvent> ordered = BatchOrder.waves(batch);

            assertThat(ordered).containsExactlyInAnyOrderElementsOf(batch);
            assertThat(perAggregate(ordered)).isEqualTo(perAggregate(batch));
        }
    }

    @Test
    void waves_oneEventPerAggregate_groupsTypesInFirstAppearanceOrder() {
        List<RecordedEvent> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(event("order-" + i, TYPES[i % 3], 1, i + 1));
        }

        List<RecordedEvent> ordered = BatchOrder.waves(batch);

        assertThat(ordered.stream().map(RecordedEvent::eventType).distinct())
                .containsExactly("Created", "Paid", "Shipped");
        assertThat(runs(ordered)).isEqualTo(3);
    }

    @Test
    void waves_twoEventsOfOneAggregate_laterOneInTheNextWave() {
        List<RecordedEvent> batch = List.of(
                event("a", "Created", 1, 1),
                event("b", "Created", 1, 2),
                event("a", "Paid", 2, 3),
                event("c", "Paid", 1, 4));

        List<RecordedEvent> ordered = BatchOrder.waves(batch);

        assertThat(ordered.stream().map(e -> e.aggregateId() + e.version())).containsExactly("a1", "b1", "c1", "a2");
    }

    private static int runs(List<RecordedEvent> events) {
        int runs = 0;
        String last = null;
        for (RecordedEvent e : events) {
            if (!e.eventType().equals(last)) {
                runs++;
                last = e.eventType();
            }
        }
        return runs;
    }

    private static Map<String, List<Long>> perAggregate(List<RecordedEvent> events) {
        Map<String, List<Long>> out = new HashMap<>();
        for (RecordedEvent e : events) {
            out.computeIfAbsent(e.aggregateId(), k -> new ArrayList<>()).add(e.version());
        }
        return out;
    }

    private static List<RecordedEvent> batch(Random random, int size, int aggregates) {
        Map<String, Long> versions = new HashMap<>();
        List<RecordedEvent> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String id = "order-" + random.nextInt(aggregates);
            long v = versions.merge(id, 1L, Long::sum);
            out.add(event(id, TYPES[random.nextInt(TYPES.length)], v, i + 1));
        }
        return out;
    }

    private static RecordedEvent event(String aggregate, String type, long version, long position) {
        Instant t = Instant.parse("2026-12-05T00:00:00Z").plusSeconds(position);
        return new RecordedEvent(
                UUID.randomUUID(), aggregate, type, 1, "{}", "{}", version, Position.of(position), t, t);
    }
}
