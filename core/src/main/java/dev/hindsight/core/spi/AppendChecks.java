package dev.hindsight.core.spi;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.TimestampOrderException;
import dev.hindsight.core.WrongExpectedVersionException;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The append rules every engine applies in the same order, written once: idempotent retry, then expected version,
 * then timestamp order. Engines call it while they hold whatever makes the check atomic. Stateless, thread-safe.
 */
public final class AppendChecks {
    private AppendChecks() {}

    /**
     * Resolves an idempotent retry.
     *
     * @param stored looks up a stored event by id, {@code null} if absent
     * @return the original result if every event is already stored with the same content at consecutive versions;
     *     {@code null} if none is stored (a new append)
     * @throws DuplicateEventIdException if some ids are stored with other content, or only some are stored
     */
    public static @Nullable AppendResult idempotentResult(
            List<ProposedEvent> events, Function<ProposedEvent, @Nullable RecordedEvent> stored) {
        RecordedEvent first = null;
        RecordedEvent last = null;
        int found = 0;
        for (ProposedEvent p : events) {
            RecordedEvent r = stored.apply(p);
            if (r == null) {
                continue;
            }
            if (!r.sameContentAs(p)) {
                throw new DuplicateEventIdException("event_id " + p.eventId()
                        + " is already stored with different content (aggregate '" + r.aggregateId() + "', version "
                        + r.version() + ")");
            }
            if (first == null) {
                first = r;
            } else if (r.version() != last.version() + 1) {
                throw new DuplicateEventIdException(
                        "event_id " + p.eventId() + " is stored, but not as part of the" + " same append");
            }
            last = r;
            found++;
        }
        if (found == 0) {
            return null;
        }
        if (found != events.size()) {
            throw new DuplicateEventIdException(
                    "some event_ids of this append are already stored and some are not: a partial retry");
        }
        return new AppendResult(first.aggregateId(), first.version(), last.version(), last.position());
    }

    /**
     * Checks expected version and timestamp order for a new append.
     *
     * @param currentVersion the aggregate's version
     * @param lastTimestamp timestamp of its last event, {@code null} if it has none
     * @return the events to store: {@code events} itself, or a copy in which store-assigned timestamps that would go
     *     backwards (clock steps, or concurrent appenders that read the clock in another order) are moved up to the
     *     previous event's timestamp
     * @throws WrongExpectedVersionException on a version conflict
     * @throws TimestampOrderException if a client-given timestamp is before the previous event's
     */
    public static List<ProposedEvent> checkNewAppend(
            String aggregateId,
            ExpectedVersion expected,
            long currentVersion,
            @Nullable Instant lastTimestamp,
            List<ProposedEvent> events) {
        if (!expected.matches(currentVersion)) {
            throw new WrongExpectedVersionException(aggregateId, expected, currentVersion);
        }
        Instant previous = lastTimestamp;
        List<ProposedEvent> out = events;
        for (int i = 0; i < events.size(); i++) {
            ProposedEvent p = events.get(i);
            if (previous != null && p.timestamp().isBefore(previous)) {
                if (!p.timestampAssigned()) {
                    throw new TimestampOrderException("metadata.timestamp " + p.timestamp() + " is before the"
                            + " previous event's " + previous + " in aggregate '" + aggregateId + "'");
                }
                if (out == events) {
                    out = new java.util.ArrayList<>(events);
                }
                p = p.withTimestamp(previous);
                out.set(i, p);
            }
            previous = p.timestamp();
        }
        return out;
    }
}
