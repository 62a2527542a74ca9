package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.RecordedEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A bounded LRU of decoded committed events by partition and offset, filled by the indexer (which decodes every
 * record anyway), so reads of recent events need no fetch from Kafka. Only committed records enter it, and a record at
 * an offset never changes, so it is never stale. Thread-safe (synchronized).
 */
public final class RecordCache {
    private final Map<Long, RecordedEvent> events;

    public RecordCache(int capacity) {
        this.events = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, RecordedEvent> eldest) {
                return size() > capacity;
            }
        };
    }

    private static long key(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }

    public synchronized void put(int partition, long offset, RecordedEvent e) {
        events.put(key(partition, offset), e);
    }

    public synchronized @Nullable RecordedEvent get(int partition, long offset) {
        return events.get(key(partition, offset));
    }
}
