package dev.hindsight.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.retention.RetentionRun;
import dev.hindsight.core.retention.RetentionRunner;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.server.ApiException;
import dev.hindsight.server.Routes;
import dev.hindsight.server.ServerPlugin;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * {@code serve --retention}: runs the retention rules (ADR 0017) every {@code --retention-interval}, serves the rules
 * and runs at {@code GET /api/retention}, runs them now on {@code POST /api/retention/run} (admin), and publishes
 * {@code hindsight_retention_deleted_events_total{rule}}, {@code hindsight_retention_runs_total},
 * {@code hindsight_retention_failures_total} and {@code hindsight_retention_last_run_timestamp_seconds}. Without rules
 * (or on an engine without retention) the routes still answer, saying so. Thread-safe.
 */
final class RetentionPlugin implements ServerPlugin {
    private static final String OPENAPI = """
            {"paths": {
              "/api/retention": {"get": {
                "summary": "Retention rules (serve --retention), the last run and the events deleted per rule",
                "responses": {"200": {"description": "Rules and runs", "content": {"application/json": {"schema":
                  {"$ref": "#/components/schemas/RetentionStatus"}}}}}}},
              "/api/retention/run": {"post": {
                "summary": "Apply the retention rules now (admin); answers the run",
                "responses": {"200": {"description": "The run", "content": {"application/json": {"schema":
                  {"$ref": "#/components/schemas/RetentionRun"}}}},
                  "409": {"description": "No retention rules, or an engine without retention (Kafka, memory)"},
                  "503": {"description": "The run stopped with an error (what it deleted stays deleted)"}}}}},
             "components": {"schemas": {
               "RetentionRun": {"type": "object", "properties": {
                 "at": {"type": "string", "format": "date-time"},
                 "millis": {"type": "integer"},
                 "applied_up_to": {"type": "string",
                   "description": "Position every projection and the relay had applied; nothing after it was deleted"},
                 "deleted": {"type": "integer"},
                 "rules": {"type": "array", "items": {"type": "object", "properties": {
                   "rule": {"type": "string"}, "events": {"type": "integer"}}}},
                 "error": {"type": ["string", "null"]}}},
               "RetentionStatus": {"type": "object", "properties": {
                 "enabled": {"type": "boolean"},
                 "engine_supports_retention": {"type": "boolean"},
                 "rules": {"type": "array", "items": {"type": "string"}},
                 "interval_seconds": {"type": "integer"},
                 "runs": {"type": "integer"},
                 "failures": {"type": "integer"},
                 "deleted_total": {"type": "object", "additionalProperties": {"type": "integer"}},
                 "last_run": {"oneOf": [{"$ref": "#/components/schemas/RetentionRun"}, {"type": "null"}]},
                 "archive": {"type": "string", "description": "PostgreSQL engine with --archive-url: the archive"},
                 "last_archive_run": {"type": ["object", "null"],
                   "description": "PostgreSQL engine with --archive-url: the last export-and-delete run"}}}}}}
            """;

    private final @Nullable RetentionRunner runner;
    private final Duration interval;
    private final String unsupported;
    private final @Nullable PostgresArchiveTask pgArchive;

    /**
     * @param runner the runner, or null when the engine cannot delete ({@code unsupported} says why)
     */
    RetentionPlugin(@Nullable RetentionRunner runner, Duration interval, String unsupported) {
        this(runner, interval, unsupported, null);
    }

    /** @param pgArchive the PostgreSQL archive task (serve --store postgres --archive-url), shown as last_archive_run */
    RetentionPlugin(
            @Nullable RetentionRunner runner,
            Duration interval,
            String unsupported,
            @Nullable PostgresArchiveTask pgArchive) {
        this.runner = runner;
        this.interval = interval;
        this.unsupported = unsupported;
        this.pgArchive = pgArchive;
    }

    /** The lowest of the positions, or {@code head} when there are none (a consumer-less store). */
    static Position lowest(Position head, Iterable<@Nullable String> positions) {
        long min = ((Position.Sequence) head).value();
        for (String p : positions) {
            if (p != null && !p.isBlank() && Position.parse(p) instanceof Position.Sequence s) {
                min = Math.min(min, s.value());
            }
        }
        return Position.of(min);
    }

    @Override
    public void register(Routes routes) {
        MeterRegistry registry = routes.registry();
        RetentionRunner r = runner;
        if (r != null) {
            for (String rule : r.deletedTotals().keySet()) {
                FunctionCounter.builder(
                                "hindsight.retention.deleted.events",
                                r,
                                x -> x.deletedTotals().getOrDefault(rule, 0L))
                        .tag("rule", rule)
                        .description("Events a retention delete rule deleted since this server started")
                        .register(registry);
            }
            FunctionCounter.builder("hindsight.retention.runs", r, RetentionRunner::runs)
                    .description("Retention runs since this server started")
                    .register(registry);
            FunctionCounter.builder("hindsight.retention.failures", r, RetentionRunner::failures)
                    .description("Retention runs that stopped with an error")
                    .register(registry);
            Gauge.builder("hindsight.retention.last.run.timestamp", r, x -> {
                        RetentionRun last = x.lastRun();
                        return last == null ? 0 : last.at().toEpochMilli() / 1000.0;
                    })
                    .baseUnit("seconds")
                    .description("When the last retention run started (0: none yet)")
                    .register(registry);
            if (!r.policy().rules().isEmpty()) {
                r.start(interval);
            }
        }
        PostgresArchiveTask pga = pgArchive;
        if (pga != null) {
            Gauge.builder("hindsight.archive.last.run.events", pga, t -> {
                        StorageUse.ArchiveRun a = t.lastRun();
                        return a == null ? 0 : a.events();
                    })
                    .description("Events the last PostgreSQL archive run exported (their rows deleted but last events)")
                    .register(registry);
            pga.start();
        }
        routes.get("/api/retention", ctx -> ctx.contentType("application/json").result(status()));
        routes.post("/api/retention/run", Role.admin, ctx -> {
            if (r == null) {
                throw new ApiException(409, "retention_unsupported", unsupported);
            }
            if (r.policy().rules().isEmpty()) {
                throw new ApiException(
                        409,
                        "no_retention_rules",
                        "no retention rules: start serve with --retention RULE or --retention-file FILE");
            }
            RetentionRun run = r.runOnce();
            ctx.status(run.error() == null ? 200 : 503)
                    .contentType("application/json")
                    .result(run(run).toString());
        });
    }

    private String status() {
        ObjectNode o = Json.mapper().createObjectNode();
        RetentionRunner r = runner;
        o.put("enabled", r != null && !r.policy().rules().isEmpty());
        o.put("engine_supports_retention", r != null);
        if (r == null) {
            o.put("message", unsupported);
        }
        ArrayNode rules = o.putArray("rules");
        if (r != null) {
            r.policy().rules().forEach(x -> rules.add(x.toString()));
        }
        o.put("interval_seconds", interval.toSeconds());
        o.put("runs", r == null ? 0 : r.runs());
        o.put("failures", r == null ? 0 : r.failures());
        ObjectNode totals = o.putObject("deleted_total");
        if (r != null) {
            r.deletedTotals().forEach(totals::put);
        }
        PostgresArchiveTask pga = pgArchive;
        if (pga != null) {
            StorageUse.ArchiveRun a = pga.lastRun();
            o.put("archive", pga.describe());
            if (a == null) {
                o.putNull("last_archive_run");
            } else {
                o.set("last_archive_run", archiveRun(a));
            }
        }
        RetentionRun last = r == null ? null : r.lastRun();
        if (last == null) {
            o.putNull("last_run");
        } else {
            o.set("last_run", run(last));
        }
        return o.toString();
    }

    static ObjectNode archiveRun(StorageUse.ArchiveRun run) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("at", run.at().toString());
        o.put("segments", run.segments());
        o.put("events", run.events());
        o.put("bytes", run.bytes());
        o.put("millis", run.millis());
        if (run.error() == null) {
            o.putNull("error");
        } else {
            o.put("error", run.error());
        }
        return o;
    }

    static ObjectNode run(RetentionRun run) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("at", run.at().toString());
        o.put("millis", run.millis());
        o.put("applied_up_to", run.appliedUpTo());
        o.put("deleted", run.deleted());
        ArrayNode rules = o.putArray("rules");
        for (RetentionRun.RuleCount c : run.rules()) {
            rules.addObject().put("rule", c.rule()).put("events", c.events());
        }
        if (run.error() == null) {
            o.putNull("error");
        } else {
            o.put("error", run.error());
        }
        return o;
    }

    @Override
    public @Nullable String openApi() {
        return OPENAPI;
    }

    @Override
    public void close() {
        if (runner != null) {
            runner.close();
        }
        if (pgArchive != null) {
            pgArchive.close();
        }
    }
}
