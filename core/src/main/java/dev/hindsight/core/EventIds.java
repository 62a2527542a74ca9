package dev.hindsight.core;

import dev.hindsight.core.internal.RandomUuids;
import java.util.UUID;
import java.util.function.Supplier;

/** Event-id suppliers for {@link EventStore.Builder#idSupplier}. */
public final class EventIds {
    private EventIds() {}

    /**
     * Random (version 4) UUIDs, as {@link UUID#randomUUID()} makes them and from the same kind of generator, but
     * drawn in blocks so that concurrent appenders do not queue for the JVM-wide generator's lock:
     * {@code EventLog.preferredIds()}'s default.
     * Thread-safe.
     */
    public static Supplier<UUID> random() {
        return new RandomUuids();
    }
}
