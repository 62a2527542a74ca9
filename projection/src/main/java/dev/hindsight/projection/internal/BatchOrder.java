package dev.hindsight.projection.internal;

import dev.hindsight.core.RecordedEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The order in which a runner applies a batch to a projection whose handlers touch only their own aggregate's rows
 * ({@code Projection.rowsPerAggregate()}): in waves, where wave {@code k} holds each aggregate's {@code k}-th event of
 * the batch, and within a wave grouped by event type (first appearance first). Each aggregate's events keep their
 * order, since they fall in successive waves; events of one type in one wave belong to different aggregates, so their
 * statements can be sent as one. Stateless, thread-safe.
 */
final class BatchOrder {
    private BatchOrder() {}

    /** The batch in wave order; the input list is not changed. */
    static List<RecordedEvent> waves(List<RecordedEvent> batch) {
        if (batch.size() < 3) {
            return batch;
        }
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Integer> typeRank = new HashMap<>();
        List<Keyed> keyed = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            RecordedEvent e = batch.get(i);
            int wave = seen.merge(e.aggregateId(), 1, Integer::sum) - 1;
            int type = typeRank.computeIfAbsent(e.eventType(), t -> typeRank.size());
            keyed.add(new Keyed(wave, type, i, e));
        }
        keyed.sort(Comparator.comparingInt(Keyed::wave)
                .thenComparingInt(Keyed::type)
                .thenComparingInt(Keyed::index));
        List<RecordedEvent> out = new ArrayList<>(keyed.size());
        for (Keyed k : keyed) {
            out.add(k.event());
        }
        return out;
    }

    private record Keyed(int wave, int type, int index, RecordedEvent event) {}
}
