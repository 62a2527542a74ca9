package dev.hindsight.aggregate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.hindsight.core.EventData;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Maps event records to {@code event_type} + {@code schema_version} + JSON (snake_case) and back, explicitly: every
 * type is registered by hand, nothing is scanned. Immutable and thread-safe once built.
 *
 * @param <E> the events' common (sealed) supertype
 */
public final class EventTypeRegistry<E> {
    /** The mapper for event and state JSON: snake_case, ISO-8601 instants, tolerant of added fields. */
    public static final ObjectMapper MAPPER = new ObjectMapper(
                    Json.factoryBuilder().build())
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private record Entry(Class<?> type, EventKey key, ObjectReader reader, ObjectWriter writer) {}

    private final Map<Class<?>, Entry> byClass;
    private final Map<String, Entry> byType;

    private EventTypeRegistry(Map<Class<?>, Entry> byClass, Map<String, Entry> byType) {
        this.byClass = Map.copyOf(byClass);
        this.byType = Map.copyOf(byType);
    }

    public static <E> Builder<E> builder() {
        return new Builder<>();
    }

    /** The current key of {@code eventClass}. */
    public EventKey keyOf(Class<?> eventClass) {
        Entry e = byClass.get(eventClass);
        if (e == null) {
            throw new IllegalArgumentException(eventClass.getName() + " is not registered");
        }
        return e.key();
    }

    /** Whether {@code eventType} is registered. */
    public boolean knows(String eventType) {
        return byType.containsKey(eventType);
    }

    /**
     * Serializes an event for appending.
     *
     * @param metadata JSON object text or {@code null}
     */
    public EventData toEventData(E event, @Nullable UUID eventId, @Nullable String metadata) {
        Entry e = byClass.get(event.getClass());
        if (e == null) {
            throw new IllegalArgumentException(event.getClass().getName() + " is not registered");
        }
        try {
            return new EventData(
                    eventId,
                    e.key().eventType(),
                    e.key().schemaVersion(),
                    e.writer().writeValueAsString(event),
                    metadata);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(
                    "cannot serialize " + event.getClass().getName(), ex);
        }
    }

    /**
     * Deserializes a stored (and already upcast) event.
     *
     * @throws InvalidRequestException if its type is unknown or its schema version is not the registered one (an
     *     upcaster is missing)
     */
    @SuppressWarnings("unchecked")
    public E fromRecorded(RecordedEvent event) {
        Entry e = byType.get(event.eventType());
        if (e == null) {
            throw new InvalidRequestException("unknown event_type '" + event.eventType() + "' at version "
                    + event.version() + " of '" + event.aggregateId() + "'");
        }
        if (e.key().schemaVersion() != event.schemaVersion()) {
            throw new InvalidRequestException("event_type '" + event.eventType() + "' has schema_version "
                    + event.schemaVersion() + " but the code expects " + e.key().schemaVersion()
                    + ": register an upcaster");
        }
        try {
            return (E) e.reader().readValue(event.eventData());
        } catch (JsonProcessingException ex) {
            throw new InvalidRequestException("cannot read " + event.eventType() + " at version " + event.version()
                    + " of '" + event.aggregateId() + "': " + ex.getOriginalMessage());
        }
    }

    /** Converts a JSON tree to an event object of the class registered for {@code eventType}. */
    @SuppressWarnings("unchecked")
    public E fromTree(String eventType, JsonNode data) {
        Entry e = Objects.requireNonNull(byType.get(eventType), () -> "unknown event_type " + eventType);
        try {
            return (E) e.reader().readValue(data);
        } catch (java.io.IOException ex) {
            throw new InvalidRequestException("cannot read " + eventType + ": " + ex.getMessage());
        }
    }

    /** Builds an {@link EventTypeRegistry}. Not thread-safe. */
    public static final class Builder<E> {
        private final Map<Class<?>, Entry> byClass = new HashMap<>();
        private final Map<String, Entry> byType = new HashMap<>();

        /**
         * Registers an event record class under a type name at its current schema version.
         *
         * @throws IllegalArgumentException if the class or type is already registered, or the type name is invalid
         */
        public Builder<E> register(Class<? extends E> eventClass, String eventType, int schemaVersion) {
            dev.hindsight.core.Names.checkEventType(eventType);
            EventKey key = new EventKey(eventType, schemaVersion);
            if (byClass.containsKey(eventClass) || byType.containsKey(eventType)) {
                throw new IllegalArgumentException("already registered: " + eventClass.getName() + " / " + eventType);
            }
            Entry entry = new Entry(eventClass, key, MAPPER.readerFor(eventClass), MAPPER.writerFor(eventClass));
            byClass.put(eventClass, entry);
            byType.put(eventType, entry);
            return this;
        }

        /** Registers at schema version 1. */
        public Builder<E> register(Class<? extends E> eventClass, String eventType) {
            return register(eventClass, eventType, 1);
        }

        public EventTypeRegistry<E> build() {
            return new EventTypeRegistry<>(byClass, byType);
        }
    }
}
