package dev.hindsight.server;

import dev.hindsight.core.EventStore;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Where a {@link ServerPlugin} registers its routes. Paths use Javalin's (and OpenAPI's) {@code {name}} syntax for
 * path parameters. Each handler is wrapped like the server's own: exceptions become JSON errors and every request is
 * counted in {@code hindsight.http.requests}. Used only while the server is built; not thread-safe.
 */
public interface Routes {

    void get(String path, Handler handler);

    void post(String path, Handler handler);

    /** The store the server serves. */
    EventStore store();

    /** The registry {@code /metrics} scrapes, for the plugin's own meters. */
    MeterRegistry registry();
}
