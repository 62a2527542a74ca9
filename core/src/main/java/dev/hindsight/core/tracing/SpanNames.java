package dev.hindsight.core.tracing;

import io.opentelemetry.api.common.AttributeKey;

/** The names of Hindsight's spans and of their attributes: a public contract for dashboards and tests. */
public final class SpanNames {
    /** A request to the HTTP API (kind server). */
    public static final String HTTP_REQUEST = "http.request";
    /** An append to one aggregate. */
    public static final String APPEND = "eventstore.append";
    /** A batch of appends to many aggregates ({@code POST /api/appends}). */
    public static final String APPEND_ALL = "eventstore.append_all";
    /** Loading an aggregate's state: snapshot plus replay. */
    public static final String LOAD = "eventstore.load";
    /** A projection applying one batch of the global log and saving its checkpoint. */
    public static final String PROJECTION_BATCH = "projection.batch";

    public static final AttributeKey<String> AGGREGATE_ID = AttributeKey.stringKey("hindsight.aggregate_id");
    public static final AttributeKey<Long> EVENT_COUNT = AttributeKey.longKey("hindsight.event_count");
    public static final AttributeKey<Long> APPEND_COUNT = AttributeKey.longKey("hindsight.append_count");
    public static final AttributeKey<Long> FIRST_VERSION = AttributeKey.longKey("hindsight.first_version");
    public static final AttributeKey<Long> LAST_VERSION = AttributeKey.longKey("hindsight.last_version");
    /** The resulting position after an append, or the checkpoint after a projection batch. */
    public static final AttributeKey<String> POSITION = AttributeKey.stringKey("hindsight.position");
    /** The position a projection batch started after. */
    public static final AttributeKey<String> FROM_POSITION = AttributeKey.stringKey("hindsight.from_position");

    public static final AttributeKey<Long> VERSION = AttributeKey.longKey("hindsight.version");
    /** The version of the snapshot a load started from; 0 when it replayed from the first event. */
    public static final AttributeKey<Long> SNAPSHOT_VERSION = AttributeKey.longKey("hindsight.snapshot_version");

    public static final AttributeKey<Boolean> SNAPSHOT_USED = AttributeKey.booleanKey("hindsight.snapshot_used");
    public static final AttributeKey<Long> REPLAYED = AttributeKey.longKey("hindsight.replayed_events");
    public static final AttributeKey<String> PROJECTION = AttributeKey.stringKey("hindsight.projection");
    public static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("hindsight.batch_size");
    /** {@code metadata.correlation_id} of the appended events (the first one's, when they differ). */
    public static final AttributeKey<String> CORRELATION_ID = AttributeKey.stringKey("hindsight.correlation_id");
    /** {@code metadata.causation_id} of the appended events (the first one's, when they differ). */
    public static final AttributeKey<String> CAUSATION_ID = AttributeKey.stringKey("hindsight.causation_id");

    public static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    public static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

    private SpanNames() {}
}
