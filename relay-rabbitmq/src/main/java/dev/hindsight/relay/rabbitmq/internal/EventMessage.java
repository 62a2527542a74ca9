package dev.hindsight.relay.rabbitmq.internal;

import com.rabbitmq.stream.Message;
import com.rabbitmq.stream.Properties;
import dev.hindsight.core.EventJson;
import dev.hindsight.core.RecordedEvent;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One relayed event as a stream-protocol message, encoded once in AMQP 1.0 with the sections RabbitMQ itself stores
 * for an AMQP 0-9-1 publish into a stream, so that every consumer sees the same message whichever protocol published
 * it: message annotations ({@code x-exchange} = "", {@code x-routing-key} = the stream, {@code x-basic-delivery-mode}
 * = 2, persistent), properties ({@code message-id} = the event id, {@code content-type} = {@code application/json},
 * {@code creation-time} = {@code recorded_at}), application properties ({@code aggregate_id}, {@code event_type},
 * {@code version}) and one data section (the event JSON). No header section: RabbitMQ 3.10's conversion to AMQP
 * 0-9-1 does not accept one. Immutable.
 */
public final class EventMessage implements Message {
    private static final int MESSAGE_ANNOTATIONS = 0x72;
    private static final int PROPERTIES = 0x73;
    private static final int APPLICATION_PROPERTIES = 0x74;
    private static final int DATA = 0x75;

    private final RecordedEvent event;
    private final byte[] body;
    private final byte[] encoded;

    private EventMessage(RecordedEvent event, byte[] body, byte[] encoded) {
        this.event = event;
        this.body = body;
        this.encoded = encoded;
    }

    /** Encodes {@code event} for {@code stream}. */
    public static EventMessage of(RecordedEvent event, String stream) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(stream, "stream");
        byte[] body = EventJson.toBytes(event, false);
        Amqp10Writer w = new Amqp10Writer(body.length + 256);

        w.section(MESSAGE_ANNOTATIONS);
        int annotations = w.map(3);
        w.symbol("x-exchange").string("");
        w.symbol("x-routing-key").string(stream);
        w.symbol("x-basic-delivery-mode").ubyte(2);
        w.end(annotations);

        w.section(PROPERTIES);
        int properties = w.list(10); // up to creation-time; the three fields after it are absent (null)
        w.string(event.eventId().toString()); // message-id
        w.nul().nul().nul().nul().nul(); // user-id, to, subject, reply-to, correlation-id
        w.symbol("application/json"); // content-type
        w.nul().nul(); // content-encoding, absolute-expiry-time
        w.timestamp(event.recordedAt().toEpochMilli()); // creation-time
        w.end(properties);

        w.section(APPLICATION_PROPERTIES);
        int application = w.map(3);
        w.string("aggregate_id").string(event.aggregateId());
        w.string("event_type").string(event.eventType());
        w.string("version").int64(event.version());
        w.end(application);

        w.section(DATA).binary(body);
        return new EventMessage(event, body, w.toByteArray());
    }

    /** The event. */
    public RecordedEvent event() {
        return event;
    }

    /** The whole encoded message; not a copy (the codec hands it to the client, which only reads it). */
    byte[] encoded() {
        return encoded;
    }

    @Override
    public boolean hasPublishingId() {
        return false;
    }

    @Override
    public long getPublishingId() {
        return 0;
    }

    @Override
    public byte[] getBodyAsBinary() {
        return body.clone();
    }

    @Override
    public Object getBody() {
        return getBodyAsBinary();
    }

    /** Not kept apart from the encoded form: {@code null}. */
    @Override
    public @Nullable Properties getProperties() {
        return null;
    }

    @Override
    public Map<String, Object> getApplicationProperties() {
        return Map.of("aggregate_id", event.aggregateId(), "event_type", event.eventType(), "version", event.version());
    }

    @Override
    public Map<String, Object> getMessageAnnotations() {
        return Map.of();
    }
}
