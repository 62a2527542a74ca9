package dev.hindsight.core.spi;

import dev.hindsight.core.RecordedEvent;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A validated event handed to an engine: everything but version, position and commit time.
 *
 * @param eventId unique id
 * @param aggregateId the aggregate
 * @param eventType type name
 * @param schemaVersion payload shape version
 * @param eventData JSON object text
 * @param metadata JSON object text including {@code timestamp}
 * @param timestamp the parsed {@code metadata.timestamp}
 * @param timestampAssigned whether the store chose the timestamp (the client sent none); such a timestamp is moved
 *     up to the aggregate's last one instead of being rejected as out of order
 * @param idFresh whether the store drew {@code eventId} itself from a random generator whose ids are never stored
 *     yet (version 4 UUIDs from a {@link java.security.SecureRandom}, as {@code UUID.randomUUID()}): no stored event can
 *     have it, so an engine may skip the idempotent-retry lookup of this id. False for client-given ids and for ids of
 *     a supplier the store cannot vouch for ({@code EventStore.Builder.idSupplier})
 */
public record ProposedEvent(
        UUID eventId,
        String aggregateId,
        String eventType,
        int schemaVersion,
        String eventData,
        String metadata,
        Instant timestamp,
        boolean timestampAssigned,
        boolean idFresh)
        implements RecordedEvent.ProposedContent {

    /** An event whose id is not known to be fresh (client-given, or of a supplier the store cannot vouch for). */
    public ProposedEvent(
            UUID eventId,
            String aggregateId,
            String eventType,
            int schemaVersion,
            String eventData,
            String metadata,
            Instant timestamp,
            boolean timestampAssigned) {
        this(eventId, aggregateId, eventType, schemaVersion, eventData, metadata, timestamp, timestampAssigned, false);
    }

    public ProposedEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(eventData, "eventData");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** This event with {@code metadata.timestamp} (and {@link #timestamp()}) replaced by {@code t}. */
    public ProposedEvent withTimestamp(Instant t) {
        com.fasterxml.jackson.databind.node.ObjectNode meta = dev.hindsight.core.Json.parseObject(metadata, "metadata");
        meta.put("timestamp", t.toString());
        return new ProposedEvent(
                eventId,
                aggregateId,
                eventType,
                schemaVersion,
                eventData,
                dev.hindsight.core.Json.write(meta),
                t,
                timestampAssigned,
                idFresh);
    }
}
