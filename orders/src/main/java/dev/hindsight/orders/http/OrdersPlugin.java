package dev.hindsight.orders.http;

import dev.hindsight.core.auth.Role;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.server.Routes;
import dev.hindsight.server.ServerPlugin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * Mounts the order system's API and its web UI (at {@code /}) into a Hindsight server; closing it (the server does
 * on stop) closes the order system. Thread-safe.
 */
public final class OrdersPlugin implements ServerPlugin {
    private static final String OPENAPI = "openapi.json";
    /** The web UI (plain ES modules and CSS, no build step): served at {@code /}. */
    static final String UI = "/dev/hindsight/orders/ui";

    private final OrderSystem system;

    public OrdersPlugin(OrderSystem system) {
        this.system = Objects.requireNonNull(system);
    }

    @Override
    public void register(Routes routes) {
        OrderCommandsApi commands = new OrderCommandsApi(system.service(), system.ids());
        OrderQueriesApi queries = new OrderQueriesApi(
                system.service(), routes.store(), system.projections(), system.minPositionTimeout());
        routes.postCreating("/api/orders", OrderCommandsApi.ID_PREFIX, OrderErrors.mapped(commands::create));
        routes.get("/api/orders", OrderErrors.mapped(queries::list));
        routes.get("/api/orders/{order_id}", OrderErrors.mapped(queries::get));
        routes.get("/api/orders/{order_id}/history", OrderErrors.mapped(queries::history));
        routes.post("/api/orders/{order_id}/pay", OrderErrors.mapped(commands::pay));
        routes.post("/api/orders/{order_id}/ship", OrderErrors.mapped(commands::ship));
        routes.post("/api/orders/{order_id}/deliver", OrderErrors.mapped(commands::deliver));
        routes.post("/api/orders/{order_id}/cancel", OrderErrors.mapped(commands::cancel));
        routes.post("/api/orders/{order_id}/return", OrderErrors.mapped(commands::returnOrder));
        routes.post("/api/orders/{order_id}/refund", OrderErrors.mapped(commands::refund));
        routes.post("/api/orders/{order_id}/adjust", OrderErrors.mapped(commands::adjust));
        routes.get("/api/projections", queries::projections);
        routes.staticFiles("/", UI);
        routes.get("/api/projections/{name}", queries::projection);
        routes.post("/api/projections/{name}/rebuild", Role.admin, queries::rebuild);
        routes.post("/api/projections/{name}/verify", Role.admin, queries::verify);
    }

    @Override
    public String openApi() {
        try (InputStream in = OrdersPlugin.class.getResourceAsStream(OPENAPI)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + OPENAPI);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The snapshot store's and the read-model database's bytes. */
    @Override
    public Map<String, Long> storageBytes() {
        return system.storageBytes();
    }

    @Override
    public void close() {
        system.close();
    }
}
