package dev.hindsight.server;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.auth.Role;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Where a {@link ServerPlugin} registers its routes. Paths use Javalin's (and OpenAPI's) {@code {name}} syntax for
 * path parameters. Each handler is wrapped like the server's own: exceptions become JSON errors and every request is
 * counted in {@code hindsight.http.requests}. Used only while the server is built; not thread-safe.
 */
public interface Routes {

    /** A GET route that needs a {@code reader} token when authentication is on. */
    void get(String path, Handler handler);

    /** A POST route that needs a {@code writer} token when authentication is on. */
    void post(String path, Handler handler);

    /** A POST route that needs a token of at least {@code role} when authentication is on (e.g. admin actions). */
    void post(String path, Role role, Handler handler);

    /**
     * A POST route that creates an aggregate whose generated id starts with {@code idPrefix}: a writer token with an
     * aggregate-id prefix scope may call it only if every such id falls in its scope.
     */
    void postCreating(String path, String idPrefix, Handler handler);

    /**
     * Serves the files in a classpath directory as static files (e.g. a web UI) under {@code hostedPath}; a request for
     * a directory gets its {@code index.html}. Routes win over files: a request that matches a route is never served
     * from here, and a path with neither answers the usual JSON {@code 404}. Static files are not in the OpenAPI
     * document nor in {@link HindsightServer#routes()}.
     *
     * @param hostedPath the URL prefix, e.g. {@code /}
     * @param classpathDirectory the resource directory, e.g. {@code /dev/hindsight/orders/ui}
     */
    void staticFiles(String hostedPath, String classpathDirectory);

    /** The store the server serves. */
    EventStore store();

    /** The registry {@code /metrics} scrapes, for the plugin's own meters. */
    MeterRegistry registry();
}
