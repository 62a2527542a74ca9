package dev.hindsight.aggregate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A checked set of {@link Upcaster}s applied on read. Registration rejects two upcasters for one shape, gaps (for one
 * type, upcasters from versions 1 and 3 but not 2) and cycles. Events with no upcaster pass through untouched (no JSON
 * parsing). An event split into several keeps its version and position; the first part keeps its event id, part
 * {@code i > 0} gets the name-based UUID of {@code "<event_id>/<i>"}. Immutable and thread-safe.
 */
public final class Upcasters {
    private static final Upcasters NONE = new Upcasters(Map.of());

    private final Map<EventKey, Upcaster> byKey;
    private final Set<String> types;

    private Upcasters(Map<EventKey, Upcaster> byKey) {
        this.byKey = Map.copyOf(byKey);
        Set<String> t = new HashSet<>();
        byKey.keySet().forEach(k -> t.add(k.eventType()));
        this.types = Set.copyOf(t);
    }

    public static Upcasters none() {
        return NONE;
    }

    /**
     * Builds and checks a chain.
     *
     * @throws IllegalArgumentException on duplicates, gaps or cycles, naming them
     */
    public static Upcasters of(List<Upcaster> upcasters) {
        Map<EventKey, Upcaster> byKey = new HashMap<>();
        for (Upcaster u : upcasters) {
            if (byKey.put(u.from(), u) != null) {
                throw new IllegalArgumentException("two upcasters from " + u.from());
            }
            if (u.to().isEmpty()) {
                throw new IllegalArgumentException("upcaster from " + u.from() + " declares no output");
            }
        }
        Map<String, TreeSet<Integer>> versions = new HashMap<>();
        byKey.keySet()
                .forEach(k -> versions.computeIfAbsent(k.eventType(), t -> new TreeSet<>())
                        .add(k.schemaVersion()));
        versions.forEach((type, vs) -> {
            for (int v = vs.first(); v <= vs.last(); v++) {
                if (!vs.contains(v)) {
                    throw new IllegalArgumentException("gap in the upcasters of " + type + ": none from v" + v
                            + " although there are from v" + vs.first() + " to v" + vs.last());
                }
            }
        });
        for (EventKey start : byKey.keySet()) {
            checkNoCycle(start, byKey, new ArrayList<>());
        }
        return new Upcasters(byKey);
    }

    private static void checkNoCycle(EventKey at, Map<EventKey, Upcaster> byKey, List<EventKey> path) {
        if (path.contains(at)) {
            path.add(at);
            throw new IllegalArgumentException("upcaster cycle: " + path);
        }
        Upcaster u = byKey.get(at);
        if (u == null) {
            return;
        }
        path.add(at);
        for (EventKey next : u.to()) {
            checkNoCycle(next, byKey, path);
        }
        path.removeLast();
    }

    /** Whether {@code event} would be changed. */
    public boolean applies(RecordedEvent event) {
        return types.contains(event.eventType()) && byKey.containsKey(key(event));
    }

    /**
     * Upcasts one stored event to the newest shapes.
     *
     * @return the event itself (no upcaster applies) or its upcast replacement(s)
     */
    public List<RecordedEvent> upcast(RecordedEvent event) {
        if (!applies(event)) {
            return List.of(event);
        }
        List<RecordedEvent> out = new ArrayList<>(1);
        ObjectNode data = Json.parseObject(event.eventData(), "event_data");
        expand(event, key(event), data, out);
        return out;
    }

    /** Upcasts every event of a list, preserving order. */
    public List<RecordedEvent> upcastAll(List<RecordedEvent> events) {
        if (byKey.isEmpty()) {
            return events;
        }
        List<RecordedEvent> out = new ArrayList<>(events.size());
        for (RecordedEvent e : events) {
            out.addAll(upcast(e));
        }
        return out;
    }

    private void expand(RecordedEvent original, EventKey key, ObjectNode data, List<RecordedEvent> out) {
        Upcaster u = byKey.get(key);
        if (u == null) {
            int part = out.size();
            UUID id = part == 0
                    ? original.eventId()
                    : UUID.nameUUIDFromBytes((original.eventId() + "/" + part).getBytes(StandardCharsets.UTF_8));
            out.add(new RecordedEvent(
                    id,
                    original.aggregateId(),
                    key.eventType(),
                    key.schemaVersion(),
                    Json.write(data),
                    original.metadata(),
                    original.version(),
                    original.position(),
                    original.timestamp(),
                    original.recordedAt()));
            return;
        }
        for (Upcaster.Upcast next : u.upcast(data)) {
            if (!u.to().contains(next.key())) {
                throw new IllegalStateException("upcaster from " + key + " produced undeclared " + next.key());
            }
            expand(original, next.key(), next.data(), out);
        }
    }

    private static EventKey key(RecordedEvent e) {
        return new EventKey(e.eventType(), e.schemaVersion());
    }
}
