package dev.hindsight.server;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A set of HTTP routes mounted into a {@link HindsightServer} beside the events API, e.g. an application such as the
 * order system. The server owns the HTTP concerns every route shares: JSON errors ({@link ApiException} for a status
 * and code of the plugin's choosing, store exceptions mapped as in the events API), request metrics, the OpenAPI
 * document and graceful shutdown. Implementations must be thread-safe: handlers run concurrently on virtual threads.
 */
public interface ServerPlugin extends AutoCloseable {

    /** Registers the plugin's routes; called once while the server is built. */
    void register(Routes routes);

    /**
     * Describes the plugin's routes for {@code GET /api/openapi.json}: JSON text of an object with {@code paths} and
     * optionally {@code components.schemas}, in OpenAPI 3.1 form. The server checks nothing; its tests compare the
     * document with the registered routes.
     */
    default @Nullable String openApi() {
        return null;
    }

    /**
     * Bytes the plugin keeps beside the event log, by part (e.g. {@code snapshots}, {@code read_model}), for
     * {@code GET /api/storage}; a part it cannot measure maps to -1. Default: none.
     */
    default Map<String, Long> storageBytes() {
        return Map.of();
    }

    /** Releases the plugin's resources; called by {@link HindsightServer#stop()} after HTTP has stopped. */
    @Override
    default void close() {}
}
