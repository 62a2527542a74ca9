package dev.hindsight.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.spi.CheckpointStore;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.relay.OutboxRelay;
import dev.hindsight.relay.RelaySink;
import dev.hindsight.relay.RelayTarget;
import dev.hindsight.relay.rabbitmq.RabbitMqSink;
import dev.hindsight.relay.rabbitmq.RabbitStreamSink;
import dev.hindsight.server.Routes;
import dev.hindsight.server.ServerPlugin;
import dev.hindsight.store.kafka.relay.KafkaSink;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code serve --publish}: runs the outbox relay ({@link OutboxRelay}, to Kafka or RabbitMQ) beside the server, serves its status at
 * {@code GET /api/relay} and its lag as metrics ({@code hindsight_relay_lag_events}, {@code hindsight_relay_lag_ms},
 * {@code hindsight_relay_published_total}, {@code hindsight_relay_publish_latency_seconds}). The relay starts when the
 * routes are registered and stops, before the store closes, when the server stops. Thread-safe.
 */
final class RelayPlugin implements ServerPlugin {
    private static final String OPENAPI = """
            {"paths": {"/api/relay": {"get": {
              "summary": "Status of the outbox relay (serve --publish): what it has published to Kafka or RabbitMQ and its lag",
              "responses": {"200": {"description": "The relay's status", "content": {"application/json": {"schema":
                {"$ref": "#/components/schemas/RelayStatus"}}}},
                "404": {"description": "This server publishes nowhere (no --publish)"}}}}},
             "components": {"schemas": {"RelayStatus": {"type": "object", "properties": {
               "target": {"type": "string", "description": "kafka://HOST:PORT/TOPIC, rabbitmq-stream://HOST:PORT/STREAM or rabbitmq://HOST:PORT/STREAM"},
               "published_position": {"type": "string",
                 "description": "The checkpoint: every event up to it is acknowledged by the broker"},
               "published_events": {"type": "integer", "description": "Events acknowledged since this server started"},
               "lag_events": {"type": "integer",
                 "description": "Committed events not yet acknowledged (counted up to 10,000)"},
               "lag_ms": {"type": "integer",
                 "description": "Age of the oldest committed event not yet acknowledged; 0 when caught up"},
               "last_error": {"type": ["string", "null"], "description": "The last failure, until a batch succeeds"},
               "failures": {"type": "integer",
                 "description": "Failed attempts since this server started (each retried from the checkpoint a second later)"}},
               "required": ["target", "published_position", "published_events", "lag_events", "lag_ms", "failures"]}}}}
            """;

    private final EventLog log;
    private final CheckpointStore checkpoints;
    private final RelayTarget target;
    private @Nullable OutboxRelay relay;
    /** What the relay's meters read (held here: the meters hold it weakly). */
    private @Nullable StatusPerScrape meterStatus;

    /**
     * Parses {@code --publish kafka://HOST:PORT/TOPIC}, {@code rabbitmq-stream://HOST:PORT/STREAM} or
     * {@code rabbitmq://HOST:PORT/STREAM}.
     */
    static final class TargetConverter implements ITypeConverter<RelayTarget> {
        @Override
        public RelayTarget convert(String value) {
            try {
                return RelayTarget.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Refuses {@code --publish} where it does not apply, before anything is opened.
     *
     * @throws CliException on the Kafka engine (the topic already is the log) and the in-memory store (no durable
     *     checkpoint)
     */
    static void check(ServeCommand.StoreKind store, @Nullable RelayTarget publish) {
        if (publish == null) {
            return;
        }
        if (store == ServeCommand.StoreKind.kafka) {
            throw new CliException("--publish applies to the file and PostgreSQL engines: with --store kafka the topic"
                    + " already is the log, readable by any Kafka consumer (README: \"Publishing events to Kafka\")");
        }
        if (store == ServeCommand.StoreKind.memory) {
            throw new CliException("--publish needs a durable store for its checkpoint (--store file or postgres), not"
                    + " --store memory");
        }
    }

    RelayPlugin(EventLog log, CheckpointStore checkpoints, RelayTarget target) {
        this.log = log;
        this.checkpoints = checkpoints;
        this.target = target;
    }

    @Override
    public synchronized void register(Routes routes) {
        MeterRegistry registry = routes.registry();
        Timer latency = Timer.builder("hindsight.relay.publish.latency")
                .description("From an event's recorded_at to the broker's acknowledgement of its relayed record")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        OutboxRelay started = OutboxRelay.start(
                log,
                checkpoints,
                target,
                sinks(target),
                Clock.systemUTC(),
                ms -> latency.record(Duration.ofMillis(ms)));
        relay = started;
        meterStatus = new StatusPerScrape(started::status, started::failures, System::nanoTime);
        meters(registry, meterStatus);
        routes.get("/api/relay", ctx -> ctx.contentType("application/json").result(json(started.status())));
    }

    /**
     * The relay's meters, all read from {@code status}: the three that need the relay's status share one read of it
     * per scrape (a status reads up to {@value OutboxRelay#LAG_COUNT_CAP} unpublished events). Micrometer holds
     * {@code status} weakly: the caller must keep it (else the meters read NaN after a garbage collection).
     */
    static void meters(MeterRegistry registry, StatusPerScrape status) {
        Gauge.builder("hindsight.relay.lag.events", status, s -> s.get().lagEvents())
                .description("Committed events the relay has not yet had acknowledged by the broker")
                .register(registry);
        Gauge.builder("hindsight.relay.lag.ms", status, s -> s.get().lagMillis())
                .description("Age of the oldest committed event not yet acknowledged by the broker; 0 when caught up")
                .register(registry);
        FunctionCounter.builder(
                        "hindsight.relay.published", status, s -> s.get().publishedEvents())
                .description("Events relayed and acknowledged since this server started")
                .register(registry);
        FunctionCounter.builder("hindsight.relay.failures", status, StatusPerScrape::failures)
                .description("Failed relay attempts since this server started (each retried from the checkpoint)")
                .register(registry);
    }

    /**
     * The relay's status as the meters see it: read once and kept for {@link #FRESH} (a scrape reads every meter
     * within it), so one scrape reads the unpublished events once, not once per meter. {@code /api/relay} reads its
     * own. Thread-safe.
     */
    static final class StatusPerScrape {
        /** How long one read serves: far below any scrape interval, far above one scrape's reads of the meters. */
        static final Duration FRESH = Duration.ofSeconds(1);

        private final Supplier<OutboxRelay.Status> source;
        private final LongSupplier failures;
        private final LongSupplier nanoTime;
        private OutboxRelay.@Nullable Status last;
        private long readAt;

        /**
         * @param source reads the status
         * @param failures the failed attempts, read without a status (for every scrape)
         * @param nanoTime the clock
         */
        StatusPerScrape(Supplier<OutboxRelay.Status> source, LongSupplier failures, LongSupplier nanoTime) {
            this.source = source;
            this.failures = failures;
            this.nanoTime = nanoTime;
        }

        long failures() {
            return failures.getAsLong();
        }

        synchronized OutboxRelay.Status get() {
            long now = nanoTime.getAsLong();
            OutboxRelay.Status s = last;
            if (s == null || now - readAt >= FRESH.toNanos()) {
                s = source.get();
                last = s;
                readAt = now;
            }
            return s;
        }
    }

    /** The relay's checkpoint (wire form): every event up to it is published; "0" before it starts. */
    synchronized String publishedPosition() {
        return relay == null ? "0" : relay.status().published().toString();
    }

    /** The sinks of {@code target}'s message queue. */
    static RelaySink.Factory sinks(RelayTarget target) {
        return switch (target.kind()) {
            case KAFKA -> KafkaSink.factory(target);
            case RABBITMQ_STREAM -> RabbitStreamSink.factory(target);
            case RABBITMQ -> RabbitMqSink.factory(target);
        };
    }

    static String json(OutboxRelay.Status s) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("target", s.target().toString());
        o.put("published_position", s.published().toString());
        o.put("published_events", s.publishedEvents());
        o.put("lag_events", s.lagEvents());
        o.put("lag_ms", s.lagMillis());
        if (s.lastError() == null) {
            o.putNull("last_error");
        } else {
            o.put("last_error", s.lastError());
        }
        o.put("failures", s.failures());
        return o.toString();
    }

    @Override
    public @Nullable String openApi() {
        return OPENAPI;
    }

    @Override
    public synchronized void close() {
        if (relay != null) {
            relay.close();
            relay = null;
        }
        checkpoints.close();
    }
}
