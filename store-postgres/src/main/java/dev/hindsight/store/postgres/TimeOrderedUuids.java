package dev.hindsight.store.postgres;

import dev.hindsight.core.EventIds;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Event ids for the PostgreSQL engine: version 7 UUIDs (RFC 9562), the milliseconds since the epoch in the top 48 bits
 * and 74 random bits: the PostgreSQL engine's preferred ids ({@link PostgresEventLog#preferredIds()}), which an
 * {@code EventStore} over it assigns unless it is given an id supplier of its own.
 *
 * <p>Why: the engine keeps every event id in one unique B-tree ({@code event_ids}, ADR 0004). Random (version 4) ids
 * insert all over that index, so as it grows each append dirties a leaf page of its own; ids that grow with time
 * insert at its right edge. Measured in {@code docs/benchmarks.md}
 * (PostgreSQL engine): 100-event appends at 32 clients went from about 0.45 to about 0.65 of the raw baseline.
 *
 * <p>Ids are unique with overwhelming probability (74 random bits per millisecond, taken from
 * {@link EventIds#random()}, which draws from a {@code SecureRandom} in blocks so that concurrent appenders do not queue for it); they are ordered
 * across milliseconds, not within one, and only as well as the clocks of several processes agree. Nothing in the engine
 * relies on the order. Thread-safe.
 */
public final class TimeOrderedUuids implements Supplier<UUID> {
    private final Clock clock;
    private final Supplier<UUID> random = EventIds.random();

    /** Ids stamped with the system clock. */
    public TimeOrderedUuids() {
        this(Clock.systemUTC());
    }

    /** Ids stamped with {@code clock}'s milliseconds. */
    public TimeOrderedUuids(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public UUID get() {
        long millis = clock.millis() & 0xFFFF_FFFF_FFFFL;
        UUID bits = random.get(); // version 4: 122 random bits, the variant already set in the low half
        long msb = (millis << 16) | 0x7000L | (bits.getMostSignificantBits() & 0x0FFFL);
        long lsb = bits.getLeastSignificantBits();
        return new UUID(msb, lsb);
    }
}
