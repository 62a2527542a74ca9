package dev.hindsight.server;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.StoreLimits;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.auth.TokenStore;
import dev.hindsight.server.internal.Access;
import dev.hindsight.server.internal.Access.Rule;
import dev.hindsight.server.internal.ApiError;
import dev.hindsight.server.internal.AppendHandler;
import dev.hindsight.server.internal.Audit;
import dev.hindsight.server.internal.EventsApi;
import dev.hindsight.server.internal.Exchange;
import dev.hindsight.server.internal.JsonErrorHandler;
import dev.hindsight.server.internal.LiveFeed;
import dev.hindsight.server.internal.OpenApi;
import dev.hindsight.server.internal.RateLimiter;
import dev.hindsight.server.internal.RouteGuard;
import dev.hindsight.server.internal.SelectorDispatch;
import dev.hindsight.server.internal.ServerMetrics;
import dev.hindsight.server.internal.SlowClientGuard;
import dev.hindsight.server.internal.SubjectsApi;
import dev.hindsight.server.internal.TokenCache;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.JavalinStaticResourceHandler;
import io.javalin.http.staticfiles.Location;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.MinimumDataRateHandler;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hindsight HTTP server (Javalin on Jetty, requests handled on virtual threads; single appends to the file engine
 * on Jetty's selector thread, see {@code SelectorDispatch}) over an {@link EventStore}:
 *
 * <ul>
 *   <li>{@code POST /api/aggregates/{aggregate_id}/events} — append one event or an array (header
 *       {@code Expected-Version});
 *   <li>{@code GET /api/aggregates/{aggregate_id}/events} — read an aggregate, optionally {@code as_of} an instant;
 *   <li>{@code GET /api/events} — read the global log; {@code GET /api/events/live} — follow it as Server-Sent Events;
 *   <li>{@code GET /health}, {@code GET /metrics} (Prometheus text);
 *   <li>{@code GET /api/openapi.json} — the OpenAPI document of every route, the plugins' included;
 *   <li>the routes of each {@link ServerPlugin} given to the builder (e.g. the order system), and the static files
 *       it asks for ({@link Routes#staticFiles}, e.g. the order system's web UI at {@code /}).
 * </ul>
 *
 * <p>With a {@link TokenStore} ({@link Builder#tokens}) every route but {@code GET /health} needs
 * {@code Authorization: Bearer TOKEN} of a role and aggregate-id scope that allow it ({@code 401 unauthorized},
 * {@code 403 forbidden}); see {@link Access}. Reads need {@code reader}, writes {@code writer}, projection rebuilds
 * {@code admin}.
 *
 * <p>The append routes (single and bulk) are served by a plain Jetty handler ({@code AppendHandler}) in front of Javalin, without the
 * servlet and Javalin layers; it answers exactly as the Javalin route would (the two share the route guard and the
 * append code), and leaves ids with percent-escapes to that route.
 *
 * <p>Every error is JSON {@code {"error": code, "message": ...}}. {@link #stop()} is graceful: it ends live feeds,
 * stops accepting connections, waits until requests in flight have sent their responses, then stops Jetty and closes
 * the store (which flushes and fsyncs). Thread-safe; start and stop at most once.
 */
public final class HindsightServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HindsightServer.class);
    /** Bytes per write when Javalin copies a response body into Jetty (most answers fit in one). */
    private static final int RESPONSE_COPY_BUFFER = 4096;

    private static final Set<String> STANDARD_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

    private final EventStore store;
    private final PrometheusMeterRegistry registry;
    private final ServerMetrics metrics;
    private final LiveFeed live;
    private final Builder options;
    private final List<ServerPlugin> plugins;
    private final List<Route> routes = new ArrayList<>();
    private final @Nullable TokenCache tokens;
    private final @Nullable Access access;
    private final Audit audit;
    private final SlowClientGuard slowClients;
    private final RouteGuard guard;
    private final Javalin app;
    /** Request handling that may block, Jetty's and ours ({@link SelectorDispatch}): a virtual thread per task. */
    private final Executor virtual = Executors.newVirtualThreadPerTaskExecutor();

    private boolean started; // guarded by this
    private boolean stopped; // guarded by this

    /** A server for {@code store} on {@code port} (0 = any free port) with default options. */
    public HindsightServer(EventStore store, int port, PrometheusMeterRegistry registry) {
        this(builder(store).port(port).registry(registry));
    }

    private HindsightServer(Builder b) {
        this.options = b;
        this.store = b.store;
        this.registry = b.registry != null ? b.registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.metrics = new ServerMetrics(registry);
        this.plugins = List.copyOf(b.plugins);
        this.audit = new Audit(store);
        this.tokens = b.tokens == null ? null : new TokenCache(b.tokens, b.tokenRefresh, audit::tokens);
        this.access = tokens == null ? null : new Access(tokens, b.rateLimit > 0 ? new RateLimiter(b.rateLimit) : null);
        TokenCache known = tokens;
        this.live = new LiveFeed(
                store,
                metrics,
                b.keepAlive,
                b.maxLiveFeeds,
                b.liveFeedBuffer,
                known == null ? token -> true : known::isCurrent);
        this.slowClients = new SlowClientGuard(b.headerTimeout);
        this.guard = new RouteGuard(access, metrics, audit, store.tracing());
        EventsApi api = new EventsApi(store, metrics, b.maxBodyBytes);
        this.app = Javalin.create(cfg -> configure(cfg, api));
    }

    /**
     * One registered route.
     *
     * @param method {@code GET} or {@code POST}
     * @param path the path template, e.g. {@code /api/aggregates/{aggregate_id}/events}
     */
    public record Route(String method, String path) {}

    public static Builder builder(EventStore store) {
        return new Builder(store);
    }

    /**
     * Jetty's own threads (acceptor, selectors) on platform threads, request handling on virtual threads. Javalin's
     * all-virtual pool runs the NIO selector on a virtual thread too; on JDK 25 we saw such a server stop accepting
     * for good under CPU starvation (selector parked in the JDK's poller, connections left in the listen backlog), so
     * the selector stays on a platform thread, as Jetty's documentation recommends.
     */
    private QueuedThreadPool threadPool() {
        Executor virtual = this.virtual;
        QueuedThreadPool pool = new QueuedThreadPool(16, 2) {
            /**
             * A connection whose request completed on another thread than the one that read it (every request but the
             * ones {@link SelectorDispatch} serves on the selector and answers at once) is resumed by Jetty 12.1 as a
             * job of this pool, which reads the connection's next request or waits for it. The handler tree is
             * non-blocking ({@link SelectorDispatch}), so the job never blocks, and the thread that completed the
             * request runs it itself: the acks thread of the file engine after an asynchronous append's answer, a
             * virtual thread after a Javalin route's (as Jetty's own loop went on after a request answered during its
             * handling). Starting a virtual thread per resume cost more server CPU per append (docs/benchmarks.md,
             * session 21); before the non-blocking tree it was that or a platform thread of this pool (session 16).
             */
            @Override
            public void execute(Runnable job) {
                if (job instanceof HttpConnection c) {
                    if (c.getServer().getInvocationType() == Invocable.InvocationType.NON_BLOCKING) {
                        job.run();
                    } else {
                        virtual.execute(job);
                    }
                } else {
                    super.execute(job);
                }
            }
        };
        pool.setName("hindsight-http");
        pool.setVirtualThreadsExecutor(virtual);
        return pool;
    }

    private void configure(JavalinConfig cfg, EventsApi api) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.concurrency.useVirtualThreads = true;
        cfg.jetty.threadPool = threadPool();
        cfg.http.prefer405over404 = true;
        // Javalin's own handler reads static files through the class loader; the default (Jetty's) mounts the whole
        // jar as a zip file system first, which cost serve ~0.5 s of start-up with the 90 MB CLI jar.
        cfg.resourceHandler(new JavalinStaticResourceHandler());
        cfg.http.maxRequestSize = options.maxBodyBytes;
        // Javalin copies each response body into Jetty's output through a new buffer of this size (default: Jetty's
        // 32 KiB output buffer): 32 KiB of garbage per request was a third of serve's allocation at 1,000 events/s,
        // and with it the young collections (docs/benchmarks.md, session 16). Jetty's own output buffer is unchanged.
        cfg.http.responseBufferSize = RESPONSE_COPY_BUFFER;
        if (options.tlsKeyStore != null) {
            KeyStore keys = options.tlsKeyStore;
            cfg.jetty.addConnector((server, http) -> httpsConnector(server, http, keys));
        }
        String events = AppendHandler.ROUTE;
        cfg.jetty.modifyServer(server -> {
            server.setErrorHandler(new JsonErrorHandler());
            // The single-aggregate and bulk appends without the servlet and Javalin layers (it shadows the Javalin
            // routes of the same names, which still serve the ids and spellings it leaves to Javalin). Inserted first,
            // so innermost: the handlers
            // below wrap it as they wrap Javalin.
            AppendHandler appends = new AppendHandler(guard, api, virtual, store.appendAsyncNeverBlocks());
            server.insertHandler(appends);
            // Jetty's graceful stop: on stop, connectors stop accepting and GracefulHandler waits (up to the stop
            // timeout) until every request in flight has completed its response; new ones get 503.
            server.insertHandler(new GracefulHandler());
            // A request body read slower than this fails (a client trickling its body holds nothing for long); no
            // minimum for responses: a live feed sends little on purpose.
            server.insertHandler(new MinimumDataRateHandler(options.minBodyRate, 0));
            server.insertHandler(slowClients);
            // Outermost: the handler tree is non-blocking to Jetty, so the selector serves the single appends that
            // never block itself (no thread per request) and hands everything else to a virtual thread. Only on a
            // store whose asynchronous append never blocks: on the others (PostgreSQL, Kafka) nothing is served on
            // the selector, and parsing every request there before handing it on cost Jetty's threads ~30 us per
            // event more under serve --store postgres (docs/benchmarks.md, session 22, h70's window B). Nor over TLS:
            // a non-blocking tree makes the selector run each connection's TLS handshake (a signature, about a
            // millisecond of CPU) while every other connection waits; with a blocking tree Jetty runs it on a virtual
            // thread.
            if (store.appendAsyncNeverBlocks() && options.tlsKeyStore == null) {
                server.insertHandler(new SelectorDispatch(virtual, appends::servesWithoutBlocking));
            }
            server.setStopTimeout(options.shutdownTimeout.toMillis());
        });
        add(cfg, "POST", events, api::append);
        add(cfg, "GET", events, api::readAggregate);
        add(cfg, "POST", "/api/appends", api::appendMany);
        add(cfg, "GET", "/api/events", api::readAll, Rule.GLOBAL_LOG);
        add(cfg, "GET", "/api/events/live", live::handle, Rule.GLOBAL_LOG);
        add(cfg, "GET", "/health", api::health, Rule.PUBLIC);
        add(cfg, "GET", "/api/storage", ctx -> api.storage(ctx, plugins));
        add(cfg, "GET", "/metrics", this::scrape);
        add(cfg, "DELETE", "/api/subjects/{subject}", new SubjectsApi(store, audit)::forget, Rule.ADMIN);
        Routes pluginRoutes = new Routes() {
            @Override
            public void get(String path, Handler handler) {
                add(cfg, "GET", path, handler);
            }

            @Override
            public void post(String path, Handler handler) {
                add(cfg, "POST", path, handler);
            }

            @Override
            public void post(String path, Role role, Handler handler) {
                add(cfg, "POST", path, handler, new Rule(false, role, null, false));
            }

            @Override
            public void postCreating(String path, String idPrefix, Handler handler) {
                add(cfg, "POST", path, handler, Rule.creating(idPrefix));
            }

            @Override
            public void staticFiles(String hostedPath, String classpathDirectory) {
                cfg.staticFiles.add(files -> {
                    files.hostedPath = hostedPath;
                    files.directory = classpathDirectory;
                    files.location = Location.CLASSPATH;
                    // Revalidate on every load: a UI served from the jar changes with each release.
                    files.headers = Map.of("Cache-Control", "no-cache");
                });
            }

            @Override
            public EventStore store() {
                return store;
            }

            @Override
            public MeterRegistry registry() {
                return registry;
            }
        };
        List<String> fragments = new ArrayList<>();
        for (ServerPlugin p : plugins) {
            p.register(pluginRoutes);
            String doc = p.openApi();
            if (doc != null) {
                fragments.add(doc);
            }
        }
        byte[] openApi = OpenApi.document(fragments);
        add(
                cfg,
                "GET",
                "/api/openapi.json",
                ctx -> ctx.contentType("application/json").result(openApi));
        // Failures outside our routes (unknown path, wrong method): the same JSON errors. Javalin has a built-in
        // handler for HttpResponseException; registering ours for that exact class replaces it.
        cfg.routes.exception(HttpResponseException.class, this::unmatched);
        cfg.routes.exception(Exception.class, this::unmatched);
    }

    /** The one connector of a TLS server: HTTPS only, on the configured host and port. */
    private ServerConnector httpsConnector(Server server, HttpConfiguration http, KeyStore keys) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keys);
        ssl.setKeyStorePassword(new String(Tls.PASSWORD));
        ssl.setKeyManagerPassword(new String(Tls.PASSWORD));
        // Clients may connect by IP address (no SNI) to a certificate that names a host: they check the name.
        http.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
        ServerConnector c = new ServerConnector(server, ssl, new HttpConnectionFactory(http));
        c.setHost(options.host);
        c.setPort(options.port);
        return c;
    }

    /** Adds a route with the default rule: GETs need a reader, POSTs a writer. */
    private void add(JavalinConfig cfg, String method, String path, Handler handler) {
        add(cfg, method, path, handler, "GET".equals(method) ? Rule.READ : Rule.WRITE);
    }

    private void add(JavalinConfig cfg, String method, String path, Handler handler, Rule rule) {
        switch (method) {
            case "GET" -> cfg.routes.get(path, route(method, path, handler, rule));
            case "POST" -> cfg.routes.post(path, route(method, path, handler, rule));
            case "DELETE" -> cfg.routes.delete(path, route(method, path, handler, rule));
            default -> throw new IllegalArgumentException("unsupported method " + method);
        }
        routes.add(new Route(method, path));
    }

    /** Wraps a handler in the route guard: access check (when auth is on), errors as JSON, metrics, span, audit. */
    private Handler route(String method, String route, Handler handler, Rule rule) {
        return ctx -> guard.serve(Exchange.of(ctx), method, route, rule, () -> handler.handle(ctx));
    }

    private void unmatched(Exception e, Context ctx) {
        Exchange.of(ctx).fail(ApiError.from(e));
        String method = ctx.req().getMethod();
        // Clients choose the method name: keep the metric's label set bounded.
        metrics.request(STANDARD_METHODS.contains(method) ? method : "OTHER", "unmatched", ctx.statusCode());
    }

    private void scrape(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
    }

    /**
     * Starts listening.
     *
     * @throws IllegalStateException if already started
     * @throws io.javalin.util.JavalinException if the port cannot be bound
     */
    public synchronized HindsightServer start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        app.start(options.host, options.port);
        for (Connector c : app.jettyServer().server().getConnectors()) {
            c.addBean(slowClients);
            if (c instanceof AbstractConnector ac) {
                // On shutdown, idle keep-alive connections are closed after this long (Jetty's default is 1 s); a
                // connection busy with a request is not idle and is left to finish.
                ac.setShutdownIdleTimeout(100);
            }
        }
        return this;
    }

    /** The bound port (the real one when constructed with port 0). */
    public int port() {
        return app.port();
    }

    /** The registry {@code /metrics} scrapes; add meters to it freely. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public EventStore store() {
        return store;
    }

    /** Whether it serves HTTPS ({@link Builder#tls}). */
    public boolean tls() {
        return options.tlsKeyStore != null;
    }

    /** Whether requests need a token ({@link Builder#tokens}). */
    public boolean authEnabled() {
        return access != null;
    }

    /** Every route it serves, in registration order (for the OpenAPI document's tests and diagnostics). */
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /**
     * Stops gracefully: ends live feeds, stops accepting connections, lets requests in flight finish (up to the
     * shutdown timeout), stops Jetty, closes the plugins (in reverse order), then closes the store. Idempotent.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            live.close();
            if (started) {
                app.stop();
            }
            if (tokens != null) {
                tokens.close();
            }
            slowClients.close();
        } catch (RuntimeException e) {
            LOG.warn("HTTP server did not stop cleanly", e);
        } finally {
            for (ServerPlugin p : plugins.reversed()) {
                try {
                    p.close();
                } catch (RuntimeException e) {
                    LOG.warn("plugin {} did not close cleanly", p.getClass().getName(), e);
                }
            }
            if (options.closeStore) {
                store.close();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Options of a {@link HindsightServer}. Not thread-safe. */
    public static final class Builder {
        private final EventStore store;
        private @Nullable PrometheusMeterRegistry registry;
        private @Nullable String host;
        private int port = 8080;
        private int maxBodyBytes;
        private Duration keepAlive = Duration.ofSeconds(15);
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private boolean closeStore = true;
        private @Nullable TokenStore tokens;
        private Duration tokenRefresh = Duration.ofMillis(500);
        private @Nullable KeyStore tlsKeyStore;
        private double rateLimit;
        private int maxLiveFeeds = 1_000;
        private long liveFeedBuffer = 8L << 20;
        private Duration headerTimeout = Duration.ofSeconds(30);
        private long minBodyRate = 1_024;
        private final List<ServerPlugin> plugins = new ArrayList<>();

        private Builder(EventStore store) {
            this.store = Objects.requireNonNull(store, "store");
            limits(store.limits());
        }

        /** Port to listen on; 0 picks a free one. Default 8080. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0-65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** Interface to bind, e.g. {@code 127.0.0.1}; default all interfaces. */
        public Builder host(@Nullable String host) {
            this.host = host;
            return this;
        }

        /** Registry for {@code /metrics}; default a fresh one. */
        public Builder registry(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry);
            return this;
        }

        /** Request bodies over this many bytes get 413 unparsed; default the store's append limit + 1 MiB. */
        public Builder maxBodyBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes must be positive");
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** Derives {@link #maxBodyBytes} from the store's limits: the append limit plus 1 MiB for JSON overhead. */
        public Builder limits(StoreLimits limits) {
            return maxBodyBytes((int) Math.min(Integer.MAX_VALUE - 16, limits.maxAppendBytes() + (1L << 20)));
        }

        /** Interval of SSE keep-alive comments; default 15 s. */
        public Builder keepAlive(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("keepAlive must be positive");
            }
            this.keepAlive = interval;
            return this;
        }

        /** How long {@link #stop()} waits for requests in flight; default 30 s. */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Whether {@link #stop()} closes the store; default true. */
        public Builder closeStoreOnStop(boolean close) {
            this.closeStore = close;
            return this;
        }

        /**
         * Turns authentication on: every route but {@code GET /health} needs a token of this store. Tokens created or
         * revoked in it are seen within {@link #tokenRefresh} (default 500 ms). Default: none, no authentication.
         */
        public Builder tokens(@Nullable TokenStore tokens) {
            this.tokens = tokens;
            return this;
        }

        /**
         * Serves HTTPS only, with the certificate chain of {@code certFile} and the private key of {@code keyFile}
         * (PEM; RSA or EC; PKCS#8, PKCS#1 or SEC1). Default: plain HTTP.
         *
         * @throws IllegalArgumentException if a file cannot be read or parsed, or the key is not the certificate's
         */
        public Builder tls(Path certFile, Path keyFile) {
            this.tlsKeyStore = Tls.keyStore(certFile, keyFile);
            return this;
        }

        /**
         * Requests a second each token may make (bursts up to one second's worth); over it, {@code 429 rate_limited}
         * with {@code Retry-After}. Needs {@link #tokens}. Default 0: no limit.
         */
        public Builder rateLimit(double perSecond) {
            if (perSecond < 0 || Double.isNaN(perSecond)) {
                throw new IllegalArgumentException("rateLimit must not be negative");
            }
            this.rateLimit = perSecond;
            return this;
        }

        /**
         * Most live feeds ({@code GET /api/events/live}) open at once; more answer {@code 503 too_many_subscribers}
         * with {@code Retry-After}. Default 1,000.
         */
        public Builder maxLiveFeeds(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxLiveFeeds must be positive");
            }
            this.maxLiveFeeds = max;
            return this;
        }

        /**
         * How long a connection may take to send a complete request header, from its opening or the end of its
         * previous request; slower ones are closed (slowloris). Default 30 s, Jetty's idle timeout.
         */
        public Builder headerTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("headerTimeout must be positive");
            }
            this.headerTimeout = timeout;
            return this;
        }

        /** Slowest request body accepted, in bytes a second (slower: 408); default 1,024. */
        public Builder minBodyRate(long bytesPerSecond) {
            if (bytesPerSecond < 1) {
                throw new IllegalArgumentException("minBodyRate must be positive");
            }
            this.minBodyRate = bytesPerSecond;
            return this;
        }

        /**
         * Most bytes of events queued for one live-feed client; one that falls further behind gets an {@code error}
         * frame {@code slow_consumer} and is disconnected. Default 8 MiB.
         */
        public Builder liveFeedBuffer(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("liveFeedBuffer must be positive");
            }
            this.liveFeedBuffer = bytes;
            return this;
        }

        /** How often the server reloads its tokens; default 500 ms. */
        public Builder tokenRefresh(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("tokenRefresh must be positive");
            }
            this.tokenRefresh = interval;
            return this;
        }

        /** Mounts a plugin's routes; the server closes it on {@link #stop()}. */
        public Builder plugin(ServerPlugin plugin) {
            plugins.add(Objects.requireNonNull(plugin, "plugin"));
            return this;
        }

        public HindsightServer build() {
            return new HindsightServer(this);
        }
    }
}
