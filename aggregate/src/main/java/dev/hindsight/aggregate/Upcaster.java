package dev.hindsight.aggregate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Transforms the JSON of one stored event shape ({@link #from()}) into the next shape(s): it may change fields, rename
 * the type, or split the event into several. Upcasters run on read; stored events are never rewritten. Must be pure
 * and thread-safe.
 */
public interface Upcaster {

    /** The shape it reads. */
    EventKey from();

    /** Every shape it may produce (declared, so the chain can be checked for gaps and cycles at registration). */
    List<EventKey> to();

    /**
     * Upcasts one event's data.
     *
     * @param data a private copy of the event's {@code event_data}; may be modified and returned
     * @return one or more events, each of a shape listed in {@link #to()}
     */
    List<Upcast> upcast(ObjectNode data);

    /**
     * One produced event.
     *
     * @param key its shape
     * @param data its {@code event_data}
     */
    record Upcast(EventKey key, ObjectNode data) {}

    /** An upcaster from {@code (type, v)} to {@code (type, v + 1)} with a one-to-one transformation. */
    static Upcaster of(String eventType, int fromVersion, java.util.function.UnaryOperator<ObjectNode> transform) {
        EventKey from = new EventKey(eventType, fromVersion);
        EventKey to = new EventKey(eventType, fromVersion + 1);
        return new Upcaster() {
            @Override
            public EventKey from() {
                return from;
            }

            @Override
            public List<EventKey> to() {
                return List.of(to);
            }

            @Override
            public List<Upcast> upcast(ObjectNode data) {
                return List.of(new Upcast(to, transform.apply(data)));
            }
        };
    }
}
