package dev.hindsight.cli;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.Position;
import dev.hindsight.core.auth.FileTokenStore;
import dev.hindsight.core.auth.TokenStore;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.retention.RetentionRunner;
import dev.hindsight.core.spi.CheckpointStore;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.core.spi.RetentionSupport;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ProjectionStatus;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.relay.RelayTarget;
import dev.hindsight.server.FileEngineMetrics;
import dev.hindsight.server.HindsightServer;
import dev.hindsight.server.ServerPlugin;
import dev.hindsight.store.file.ArchiveOptions;
import dev.hindsight.store.file.FileCheckpointStore;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import dev.hindsight.store.file.FsyncPolicy;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.postgres.PostgresCheckpointStore;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresTokenStore;
import dev.hindsight.store.postgres.UnixSocketFactory;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code hindsight serve}: the HTTP API and the order system on the embedded file store (or in memory, or on
 * PostgreSQL with no local disk), until SIGTERM / Ctrl-C, which stop it gracefully through a shutdown hook. Not
 * thread-safe: one run per instance.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = "Run the HTTP server on the embedded store. SIGTERM or Ctrl-C stops it gracefully.")
final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    /** Which engine to serve. */
    enum StoreKind {
        file,
        memory,
        postgres,
        kafka
    }

    @Spec
    CommandSpec spec;

    @Mixin
    FileStoreOptions fileStore = new FileStoreOptions();

    @Mixin
    RetentionOptions retention = new RetentionOptions();

    @Mixin
    TracingOptions tracing = new TracingOptions();

    @Mixin
    ShreddingOptions shredding = new ShreddingOptions();

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port; 0 picks a free one (default: 8080).")
    int port;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "Interface to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for all). Any address but loopback"
                    + " turns --auth on.")
    String host;

    @Option(
            names = "--auth",
            description = "Require an API token (Authorization: Bearer) on every route but GET /health. On by default"
                    + " when --host is not a loopback address; create tokens with `hindsight tokens create`.")
    boolean auth;

    @Option(
            names = "--rate-limit",
            defaultValue = "0",
            description = "With tokens: requests a second each token may make (bursts of one second's worth); over it"
                    + " 429 with Retry-After (default: 0, no limit).")
    double rateLimit;

    @Option(
            names = "--max-live-feeds",
            defaultValue = "1000",
            description = "Most live feeds (GET /api/events/live) open at once; more get 503 (default:"
                    + " ${DEFAULT-VALUE}).")
    int maxLiveFeeds;

    @Option(
            names = "--header-timeout",
            defaultValue = "30s",
            converter = LoadgenCommand.DurationConverter.class,
            description = "Longest a connection may take to send a request header (slowloris clients are cut; default:"
                    + " ${DEFAULT-VALUE}).")
    Duration headerTimeout;

    @Option(
            names = "--tls-cert",
            description = "PEM certificate chain (leaf first): serve HTTPS only. Needs --tls-key.")
    @Nullable
    Path tlsCert;

    @Option(names = "--tls-key", description = "PEM private key (RSA or EC, unencrypted) of --tls-cert.")
    @Nullable
    Path tlsKey;

    @Option(
            names = "--data-dir",
            defaultValue = "./data",
            description = "Data directory (default: ./data; unused with --store postgres, which keeps everything in the"
                    + " database).")
    Path dataDir;

    @Option(
            names = "--fsync",
            defaultValue = "always",
            converter = FsyncConverter.class,
            description = "When to fsync appends: always, interval or never (default: always).")
    FsyncPolicy fsync;

    @Option(
            names = "--store",
            defaultValue = "file",
            description = "Engine: ${COMPLETION-CANDIDATES} (default: file; memory keeps nothing; postgres needs"
                    + " --pg-url; kafka needs --kafka-bootstrap).")
    StoreKind store;

    @Option(
            names = "--pg-url",
            defaultValue = "${env:HINDSIGHT_PG_URL}",
            description = "PostgreSQL JDBC URL for --store postgres, e.g. jdbc:postgresql://127.0.0.1:5432/hindsight"
                    + " (default: $HINDSIGHT_PG_URL). With --store kafka: where split roles keep snapshots and the read"
                    + " model, and, with a master key, where every node keeps the subject keys.")
    @Nullable
    String pgUrl;

    @Option(
            names = "--pg-user",
            defaultValue = "${env:HINDSIGHT_PG_USER}",
            description = "PostgreSQL user (default: $HINDSIGHT_PG_USER, else the driver's default).")
    @Nullable
    String pgUser;

    @Option(
            names = "--pg-password",
            defaultValue = "${env:HINDSIGHT_PG_PASSWORD}",
            description = "PostgreSQL password (default: $HINDSIGHT_PG_PASSWORD; prefer the variable, which other"
                    + " users cannot see in the process list).")
    @Nullable
    String pgPassword;

    @Option(
            names = "--pg-socket",
            description =
                    "Connect to PostgreSQL through its Unix-domain socket instead of TCP: the socket's directory"
                            + " (e.g. /var/run/postgresql, where the server's .s.PGSQL.<port> is; the port is --pg-url's) or"
                            + " the socket file, for a server on this machine; the server authenticates it by its 'local' lines of pg_hba.conf. Default: TCP.")
    @Nullable
    String pgSocket;

    @Option(
            names = "--pg-schema",
            defaultValue = "hindsight",
            description = "Schema of the store's tables, created if missing (default: ${DEFAULT-VALUE}).")
    String pgSchema;

    @Option(
            // True by default: picocli wants the negative name declared, and then takes --pg-group-commit too.
            names = "--no-pg-group-commit",
            negatable = true,
            defaultValue = "true",
            description = "Merge concurrent appends into shared transactions; a lone append still runs alone. About"
                    + " twice the single-event throughput at 32 concurrent appenders (docs/benchmarks.md)."
                    + " Default: on; --no-pg-group-commit turns it off.")
    boolean pgGroupCommit;

    @Option(
            names = "--pg-group-commit-linger-us",
            defaultValue = "3000",
            description = "With group commit: how long (µs, 0 to 50000) after an append was queued its batch may wait"
                    + " for more appends to share its transaction and WAL flush; 0 runs a lone append at once"
                    + " (default: ${DEFAULT-VALUE}).")
    long pgGroupCommitLingerMicros;

    @Option(
            names = "--kafka-bootstrap",
            defaultValue = "${env:HINDSIGHT_KAFKA_BOOTSTRAP}",
            description = "Kafka bootstrap servers HOST:PORT[,...] for --store kafka (default:"
                    + " $HINDSIGHT_KAFKA_BOOTSTRAP).")
    @Nullable
    String kafkaBootstrap;

    @Option(
            names = "--kafka-topic",
            defaultValue = "hindsight-events",
            description = "The store's topic, created if missing (default: ${DEFAULT-VALUE}).")
    String kafkaTopic;

    @Option(
            names = "--kafka-partitions",
            defaultValue = "50",
            description = "Partitions of a topic this server creates (default: ${DEFAULT-VALUE}).")
    int kafkaPartitions;

    @Option(
            names = "--kafka-replication",
            defaultValue = "3",
            description = "Replication of a topic this server creates; min.insync.replicas is min(2, replication)"
                    + " (default: ${DEFAULT-VALUE}).")
    int kafkaReplication;

    @Option(
            names = "--kafka-advertised-url",
            description = "With --store kafka: this node's HTTP base URL as the other nodes should reach it; an append"
                    + " that reaches a node not owning the aggregate's partition is redirected (307) there. Default:"
                    + " http://HOST:PORT from --host and --port (none with --port 0).")
    @Nullable
    String kafkaAdvertisedUrl;

    @Option(
            names = "--inline-projections",
            defaultValue = "false",
            description = "With --store postgres: update the orders read model inside each append's transaction, so a"
                    + " read right after a command sees it (default: ${DEFAULT-VALUE}: in the background, moments"
                    + " later). Appends take a little longer. Every server appending to the store must use it.")
    boolean inlineProjections;

    @Option(
            names = "--publish",
            converter = RelayPlugin.TargetConverter.class,
            description = "Also publish every committed event to a Kafka topic, kafka://HOST:PORT[,...]/TOPIC, or a"
                    + " RabbitMQ stream, rabbitmq-stream://HOST:5552/STREAM (stream protocol) or"
                    + " rabbitmq://HOST:5672/STREAM (AMQP 0-9-1) (the outbox relay: at least once, in log"
                    + " order, the event id as de-duplication key; resumes from a checkpoint kept with the"
                    + " store). File and PostgreSQL engines; with --store kafka the topic already is the log.")
    @Nullable
    RelayTarget publish;

    @Option(
            names = "--archive-range-events",
            defaultValue = "100000",
            description = "With --store postgres --archive-url: events per archived object (a range is archived once"
                    + " that many consecutive events are older than --archive-after; default: ${DEFAULT-VALUE}).")
    int archiveRangeEvents;

    @Option(
            names = "--archive-first-run-after",
            hidden = true,
            converter = LoadgenCommand.DurationConverter.class,
            description = "With --store postgres --archive-url: when the first archive run starts (default: after one"
                    + " interval, a tenth of --archive-after between 10 s and 10 min). For tests, which would wait.")
    @Nullable
    Duration archiveFirstRunAfter;

    @Option(
            names = "--role",
            defaultValue = "all",
            converter = Roles.Converter.class,
            description = "What this process runs: api (HTTP API, UI, commands), read-model (the projection runner,"
                    + " with /health and /metrics on --port), snapshots, archive, or all (default: one process runs"
                    + " everything), comma-separated. Split roles need --store postgres, or --store kafka with --pg-url"
                    + " for snapshots and the read model; one process per role is active, others stand by (README:"
                    + " \"Running the seed's architecture\").")
    Roles roles;

    /** Parses {@code always|interval|never}. */
    static final class FsyncConverter implements ITypeConverter<FsyncPolicy> {
        @Override
        public FsyncPolicy convert(String value) {
            try {
                return FsyncPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        if (!roles.has(Roles.Role.API)) {
            return runWorker();
        }
        CompletableFuture<HindsightServer> started = new CompletableFuture<>();
        CountDownLatch stopped = new CountDownLatch(1);
        // Registered before start-up: a SIGTERM that arrives while the store opens waits for the server, then stops it
        // (which closes the store) instead of exiting with the store open.
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            HindsightServer s;
                            try {
                                s = started.join();
                            } catch (CompletionException e) {
                                return; // start-up failed and closed what it had opened
                            }
                            LOG.info("shutting down: finishing requests in flight, then closing the store");
                            s.stop();
                            LOG.info("stopped");
                            stopped.countDown();
                        },
                        "hindsight-shutdown"));
        HindsightServer server;
        try {
            server = start();
        } catch (RuntimeException | Error e) {
            started.completeExceptionally(e);
            throw e;
        }
        started.complete(server);
        PrintWriter out = spec.commandLine().getOut();
        out.println("Hindsight listening on " + (server.tls() ? "https" : "http") + "://localhost:" + server.port()
                + " (data: " + describeData() + (server.authEnabled() ? "; tokens required" : "") + ")"
                + (publish == null ? "" : "; publishing to " + publish));
        out.flush();
        // What start-up left for later (the compression library's bindings) is done now, off the request path.
        Thread.ofPlatform().daemon().name("hindsight-warm-up").start(FileSnapshotStore::warmUp);
        stopped.await();
        return 0;
    }

    private String describeData() {
        return switch (store) {
            case memory -> "in memory, not persisted";
            case file -> dataDir.toString();
            case kafka ->
                KafkaRoles.split(store, roles)
                        ? "Kafka " + kafkaBootstrap + ", topic " + kafkaTopic + ", index in " + dataDir
                                + "; snapshots and read model in " + pgUrl + ", schema " + pgSchema
                        : "Kafka " + kafkaBootstrap + ", topic " + kafkaTopic + "; index, snapshots and read model in "
                                + dataDir;
            case postgres ->
                pgUrl + (pgSocket == null ? "" : " over the Unix-domain socket " + pgSocket) + ", schema " + pgSchema
                        + ", read model in schema " + pgSchema + OrdersWiring.READ_MODEL_SCHEMA_SUFFIX
                        + (inlineProjections ? ", inline" : "");
        };
    }

    private int runWorker() throws InterruptedException {
        WorkerProcess process = startWorker();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            process.stop();
                            stopped.countDown();
                        },
                        "hindsight-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Hindsight " + roles + " role: /health and /metrics on http://localhost:" + process.port()
                + " (data: " + describeData() + ")");
        out.flush();
        stopped.await();
        return 0;
    }

    /**
     * A process without the api role ({@code --role read-model}, {@code snapshots} or both) over PostgreSQL, or over
     * Kafka (read-only) with PostgreSQL: the projection runner and/or the snapshot service, each under its lease (one
     * active process per role, others standing by) except the read model over Kafka, whose processes split the topic's
     * partitions; with health and metrics only.
     */
    WorkerProcess startWorker() {
        RoleChecks.check(roles, store, blankToNull(pgUrl) != null, inlineProjections, publish != null);
        tracing.install();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        PostgresOptions pgOptions = postgresOptions();
        if (store == StoreKind.kafka) {
            shredding.refuseLocalKeys(dataDir, pgWhere());
            RoleDatabase database = RoleDatabase.open(pgOptions);
            try {
                Shredder shredder = KafkaRoles.shredder(shredding, database);
                return KafkaRoles.startWorker(roles, openKafka(true), shredder, database, registry, host, port);
            } catch (RuntimeException e) {
                database.close();
                throw e;
            }
        }
        PostgresEventLog pgLog = openPostgres(pgOptions);
        PostgresEngineMetrics.bind(pgLog, registry);
        // a rebuilding projection reads archived events through the archive (ADR 0017)
        ObjectStore archive = fileStore.openArchive();
        pgLog.useArchive(archive);
        EventStore eventStore = EventStore.builder(pgLog)
                .shredder(shredding.shredder(null, pgLog.dataSource(), pgOptions.schema()))
                .build();
        List<AutoCloseable> closeLast = new ArrayList<>(List.of(eventStore));
        if (archive != null) {
            closeLast.add(archive);
        }
        return WorkerRoles.start(
                roles,
                eventStore,
                pgLog.dataSource(),
                pgOptions,
                closeLast,
                registry,
                host,
                port,
                LeasedRole.CHECK,
                null);
    }

    /** Opens the store and starts the server; the caller stops it. */
    HindsightServer start() {
        RoleChecks.check(roles, store, blankToNull(pgUrl) != null, inlineProjections, publish != null);
        tracing.install();
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new CliException("--tls-cert and --tls-key go together (a PEM certificate and its private key)", 2);
        }
        if (inlineProjections && store != StoreKind.postgres) {
            throw new CliException("--inline-projections needs --store postgres (inline projections commit in the"
                    + " append's PostgreSQL transaction; the " + store + " store has none)");
        }
        if (store == StoreKind.postgres && (fileStore.segmentSize != null || fileStore.archiveCache != null)) {
            throw new CliException("--archive-cache and --segment-size apply to the file engine (--store file); the"
                    + " postgres store has no segments (README: \"Storage lifecycle\")");
        }
        if (store != StoreKind.file
                && store != StoreKind.postgres
                && (fileStore.archiveUrl != null
                        || fileStore.segmentSize != null
                        || fileStore.archiveAfter != null
                        || fileStore.archiveCache != null)) {
            throw new CliException(
                    "--archive-url, --archive-after, --archive-cache and --segment-size apply to the file"
                            + " engine (--store"
                            + " file; --archive-url and --archive-after also to postgres); the " + store
                            + " store has no segments (README: \"Storage lifecycle\")");
        }
        if (store != StoreKind.kafka && kafkaAdvertisedUrl != null) {
            throw new CliException("--kafka-advertised-url applies to --store kafka (the " + store
                    + " store has one writer, nothing to redirect to)");
        }
        RelayPlugin.check(store, publish);
        RetentionPolicy policy = retention.policy(store, fileStore.archiveUrl != null);
        if (archiveRangeEvents < 1) {
            throw new CliException("--archive-range-events must be at least 1", 2);
        }
        ObjectStore pgArchive = store == StoreKind.postgres ? fileStore.openArchive() : null;
        loadSqliteBeside();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        PostgresOptions pgOptions = store == StoreKind.postgres ? postgresOptions() : null;
        PostgresEventLog pgLog = pgOptions == null ? null : openPostgres(pgOptions);
        if (pgLog != null) {
            PostgresEngineMetrics.bind(pgLog, registry);
            pgLog.useArchive(pgArchive); // reads of archived events fall through to it (ADR 0017)
        }
        // Kafka with PostgreSQL (split roles; or a master key and --pg-url): the roles' database, which also keeps
        // the subject keys, so that every node and role of the store shares them.
        if (store == StoreKind.kafka && blankToNull(pgUrl) != null) {
            shredding.refuseLocalKeys(dataDir, pgWhere());
        }
        RoleDatabase kafkaDb = store == StoreKind.kafka
                        && (KafkaRoles.split(store, roles)
                                || (blankToNull(pgUrl) != null && shredding.masterKey() != null))
                ? RoleDatabase.open(postgresOptions())
                : null;
        EventStore eventStore;
        try {
            Shredder shredder = kafkaDb != null
                    ? KafkaRoles.shredder(shredding, kafkaDb)
                    : shredding.shredder(
                            store == StoreKind.memory ? null : dataDir,
                            pgLog == null ? null : pgLog.dataSource(),
                            pgOptions == null ? null : pgOptions.schema());
            EventLog log = pgLog != null ? pgLog : openLog(registry, policy);
            // Each engine gives its preferred event ids (time-ordered on PostgreSQL: EventLog.preferredIds).
            eventStore = EventStore.builder(log).shredder(shredder).build();
        } catch (RuntimeException e) {
            if (kafkaDb != null) {
                kafkaDb.close();
            }
            throw e;
        }
        EventLog log = eventStore.log();
        OrderSystem system;
        try {
            if (kafkaDb != null && KafkaRoles.split(store, roles)) {
                // Kafka split roles: snapshots and read model in PostgreSQL, shared with the worker processes.
                system = KafkaRoles.apiOrders(eventStore, (KafkaEventLog) log, kafkaDb, roles, registry);
            } else if (kafkaDb != null) {
                // one Kafka node with its snapshots and read model in the data directory, its keys in PostgreSQL
                system = OrdersWiring.plugin(eventStore, dataDir, registry, kafkaDb::close);
            } else {
                // On PostgreSQL the order system's snapshots and read model live in the database too: no local disk.
                system = pgLog != null && pgOptions != null
                        ? OrdersWiring.postgres(
                                eventStore,
                                pgLog,
                                pgOptions,
                                inlineProjections,
                                !roles.has(Roles.Role.READ_MODEL),
                                roles.has(Roles.Role.SNAPSHOTS),
                                registry)
                        : OrdersWiring.plugin(eventStore, store == StoreKind.memory ? null : dataDir, registry);
            }
        } catch (RuntimeException e) {
            eventStore.close();
            if (kafkaDb != null) {
                kafkaDb.close();
            }
            throw e;
        }
        ServerPlugin orders = system.plugin();
        @Nullable TokenStore tokens;
        try {
            tokens = authRequired() ? tokenStore(pgLog, pgOptions) : null;
        } catch (RuntimeException e) {
            orders.close();
            eventStore.close();
            throw e;
        }
        HindsightServer.Builder builder = HindsightServer.builder(eventStore)
                .host(host)
                .port(port)
                .registry(registry)
                .plugin(orders)
                .tokens(tokens);
        try {
            if (rateLimit > 0 && tokens == null) {
                throw new IllegalArgumentException("--rate-limit is per token: it needs --auth");
            }
            builder.rateLimit(rateLimit).maxLiveFeeds(maxLiveFeeds).headerTimeout(headerTimeout);
        } catch (IllegalArgumentException e) {
            orders.close();
            eventStore.close();
            throw new CliException(e.getMessage(), 2);
        }
        if (tlsCert != null && tlsKey != null) {
            try {
                builder.tls(tlsCert, tlsKey);
            } catch (IllegalArgumentException e) {
                orders.close();
                eventStore.close();
                throw new CliException("--tls-cert/--tls-key: " + e.getMessage(), 2);
            }
        }
        RelayPlugin relay = null;
        if (publish != null) {
            CheckpointStore checkpoints = pgLog != null && pgOptions != null
                    ? PostgresCheckpointStore.open(pgLog.dataSource(), pgOptions)
                    : FileCheckpointStore.open(dataDir.resolve("checkpoints"));
            relay = new RelayPlugin(log, checkpoints, publish);
        }
        builder.plugin(retentionPlugin(log, policy, system, relay, pgLog, pgArchive));
        if (relay != null) {
            builder.plugin(relay); // added last, closed first: the relay stops before the store closes
        }
        HindsightServer server = builder.build();
        try {
            return server.start();
        } catch (RuntimeException e) {
            server.stop();
            throw new CliException("cannot start the HTTP server on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    /**
     * Loads SQLite's native library on a thread of its own, beside the store's opening, when the order system's read
     * model is a SQLite file: its first connection would otherwise do it on this thread (extracting the library from
     * the driver's jar) once the log is open.
     */
    private void loadSqliteBeside() {
        if (store != StoreKind.postgres && !KafkaRoles.split(store, roles)) {
            Thread.ofPlatform().daemon().name("hindsight-sqlite-load").start(ReadModelDatabase::loadSqlite);
        }
    }

    /**
     * The retention routes and runner. Events are deleted only up to the lowest position that the order system's
     * projections (including a rebuild in progress) and the relay have applied.
     */
    private RetentionPlugin retentionPlugin(
            EventLog log,
            RetentionPolicy policy,
            OrderSystem system,
            @Nullable RelayPlugin relay,
            @Nullable PostgresEventLog pgLog,
            @Nullable ObjectStore pgArchiveStore) {
        if (!(log instanceof RetentionSupport engine)) {
            return new RetentionPlugin(
                    null,
                    retention.interval,
                    "the " + store + " store has no retention"
                            + (store == StoreKind.kafka ? " (Kafka has topic retention: retention.ms)" : ""));
        }
        Supplier<Position> appliedUpTo = () -> {
            Position head = log.head();
            List<@Nullable String> positions = new ArrayList<>();
            ProjectionEngine projections = system.projections();
            if (projections == null) {
                return Position.START; // consumers unknown: delete nothing
            }
            for (ProjectionStatus s : projections.status()) {
                positions.add(s.position());
                positions.add(s.rebuildPosition());
            }
            if (relay != null) {
                positions.add(relay.publishedPosition());
            }
            return RetentionPlugin.lowest(head, positions);
        };
        PostgresArchiveTask pgArchive = null;
        if (pgLog != null && pgArchiveStore != null) {
            Duration after = fileStore.archiveAfter == null ? Duration.ofDays(30) : fileStore.archiveAfter;
            pgArchive = new PostgresArchiveTask(
                    pgLog, pgArchiveStore, after, archiveRangeEvents, appliedUpTo, archiveFirstRunAfter);
        }
        return new RetentionPlugin(
                new RetentionRunner(engine, policy, appliedUpTo, Clock.systemUTC()), retention.interval, "", pgArchive);
    }

    /** Whether tokens are required: {@code --auth}, or a {@code --host} that is not a loopback address. */
    boolean authRequired() {
        if (auth) {
            return true;
        }
        try {
            return !InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new CliException("unknown --host '" + host + "': " + e.getMessage(), 2);
        }
    }

    /**
     * The store's tokens (PostgreSQL: its {@code api_tokens} table; otherwise {@code tokens.json} in the data
     * directory), refusing to serve with none: nobody could use the server.
     */
    private TokenStore tokenStore(@Nullable PostgresEventLog pgLog, @Nullable PostgresOptions pgOptions) {
        TokenStore tokens = pgLog != null && pgOptions != null
                ? PostgresTokenStore.open(pgLog.dataSource(), pgOptions.withMigrate(false))
                : new FileTokenStore(dataDir);
        if (tokens.list().isEmpty()) {
            String where = pgLog != null
                    ? "--store postgres --pg-url " + pgUrl + " --pg-schema " + pgSchema
                    : "--data-dir " + dataDir;
            throw new CliException("authentication is on (" + (auth ? "--auth" : "--host " + host + " is not loopback")
                    + ") but no API token is defined; create one first: ./hindsight tokens create --role admin "
                    + where);
        }
        return tokens;
    }

    /** The file, in-memory or Kafka store. */
    private EventLog openLog(PrometheusMeterRegistry registry, RetentionPolicy policy) {
        if (store == StoreKind.memory) {
            return new InMemoryEventLog();
        }
        if (store == StoreKind.kafka) {
            return openKafka(false);
        }
        FileEventLog log;
        try {
            FileLogOptions options =
                    fileStore.apply(FileLogOptions.defaults(dataDir).withFsync(fsync), fileStore.openArchive());
            ArchiveOptions archive = options.archive();
            log = FileEventLog.open(archive == null ? options : options.withArchive(archive.withRetention(policy)));
        } catch (RuntimeException e) {
            throw new CliException("cannot open the store in " + dataDir + ": " + e.getMessage());
        }
        FileEngineMetrics.bind(log, registry);
        return log;
    }

    /**
     * The Kafka store: events in the topic; this node's index of it, and the order system's snapshots and read model,
     * in the data directory (as with the file store). A writing node then checks that it may serve the topic beside
     * the other writing nodes under crypto-shredding ({@link KafkaShreddingPeers}).
     */
    private KafkaEventLog openKafka(boolean reader) {
        if (kafkaBootstrap == null || kafkaBootstrap.isBlank()) {
            throw new CliException("--store kafka needs --kafka-bootstrap (or HINDSIGHT_KAFKA_BOOTSTRAP)");
        }
        try {
            KafkaOptions options = KafkaOptions.defaults(kafkaBootstrap, kafkaTopic, dataDir.resolve("kafka-index"))
                    .withTopicLayout(kafkaPartitions, kafkaReplication, Math.min(2, kafkaReplication));
            return reader
                    ? KafkaEventLog.openReader(options)
                    : KafkaShreddingPeers.open(
                            options,
                            advertisedUrl(),
                            KafkaShreddingPeers.tag(shredding.masterKey() != null, KafkaRoles.split(store, roles)));
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CliException("cannot open the Kafka store (topic " + kafkaTopic + " at " + kafkaBootstrap + "): "
                    + e.getMessage());
        }
    }

    /** The URL other Kafka nodes redirect appends to, or null when it is not known before the port is bound. */
    private @Nullable String advertisedUrl() {
        if (kafkaAdvertisedUrl != null && !kafkaAdvertisedUrl.isBlank()) {
            String url = kafkaAdvertisedUrl.strip().replaceAll("/+$", "");
            if (!url.matches("https?://[^/\\s]+")) {
                throw new CliException(
                        "--kafka-advertised-url must look like http://HOST:PORT, not '" + kafkaAdvertisedUrl + "'");
            }
            return url;
        }
        if (port == 0) {
            return null;
        }
        String h = host.equals("0.0.0.0") || host.equals("::") ? localHostName() : host;
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }

    private static String localHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    private PostgresOptions postgresOptions() {
        if (pgUrl == null || pgUrl.isBlank()) {
            throw new CliException("--store postgres needs --pg-url (or HINDSIGHT_PG_URL)");
        }
        try {
            PostgresOptions defaults = PostgresOptions.defaults(
                    pgSocket == null ? pgUrl : UnixSocketFactory.url(pgUrl, socketOption(pgSocket)));
            return defaults.toBuilder()
                    .credentials(blankToNull(pgUser), blankToNull(pgPassword))
                    .schema(pgSchema)
                    .groupCommit(pgGroupCommit, defaults.groupCommitWriters())
                    .groupCommitLinger(lingerOption())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** --pg-socket's path, checked: a directory or a socket file that exists. */
    private static String socketOption(String socket) {
        Path p = Path.of(socket);
        if (!Files.exists(p)) {
            throw new CliException("--pg-socket: no such directory or socket file: " + socket, 2);
        }
        return socket;
    }

    private Duration lingerOption() {
        long most = PostgresOptions.MAX_LINGER.toNanos() / 1000;
        if (pgGroupCommitLingerMicros < 0 || pgGroupCommitLingerMicros > most) {
            throw new CliException(
                    "--pg-group-commit-linger-us must be between 0 and " + most + ", was " + pgGroupCommitLingerMicros,
                    2);
        }
        return Duration.ofNanos(pgGroupCommitLingerMicros * 1000);
    }

    /** Where the PostgreSQL tables are, for messages. */
    private String pgWhere() {
        return "--pg-url " + pgUrl + " --pg-schema " + pgSchema;
    }

    private PostgresEventLog openPostgres(PostgresOptions options) {
        try {
            return PostgresEventLog.open(options);
        } catch (RuntimeException e) {
            throw new CliException("cannot open the PostgreSQL store at " + pgUrl + ": " + e.getMessage());
        }
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
