package dev.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The reading subcommands of {@code hindsight orders}: get (with time travel), history, list. */
final class OrderQueryCommands {
    private OrderQueryCommands() {}

    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            description = "Print an order now, at a version, or as of an instant (time travel).")
    static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Parameters(index = "0", paramLabel = "ORDER_ID", description = "The order.")
        String orderId;

        @Option(names = "--version", description = "The state after this event (1 = as created).")
        Long version;

        @Option(names = "--as-of", description = "The state at this ISO-8601 instant.")
        String asOf;

        @Override
        public Integer call() {
            if (version != null && asOf != null) {
                throw new ParameterException(spec.commandLine(), "Give --version or --as-of, not both");
            }
            OrdersCommand.checkInstant(spec, asOf, "--as-of");
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("version", version);
            q.put("as_of", asOf);
            return Output.answer(spec, server.api().get(OrdersCommand.orderPath(orderId, "") + HttpApi.query(q)));
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Print an order's audit trail.")
    static final class History implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Parameters(index = "0", paramLabel = "ORDER_ID", description = "The order.")
        String orderId;

        @Override
        public Integer call() {
            return Output.answer(spec, server.api().get(OrdersCommand.orderPath(orderId, "/history")));
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List orders from the read model, newest first.")
    static final class ListOrders implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Option(names = "--user", description = "Only this customer's orders.")
        String user;

        @Option(names = "--status", description = "Only orders in this status (created, paid, shipped, ...).")
        String status;

        @Option(names = "--from", description = "Created at or after this ISO-8601 instant.")
        String from;

        @Option(names = "--to", description = "Created before this ISO-8601 instant.")
        String to;

        @Option(names = "--limit", description = "Page size, 1-1000 (default: 50).")
        Integer limit;

        @Option(names = "--cursor", description = "next_cursor of a previous page.")
        String cursor;

        @Option(names = "--min-position", description = "Wait until the read model has this position.")
        String minPosition;

        @Option(names = "--all", description = "Follow the cursors; print every order as one JSON line.")
        boolean all;

        @Override
        public Integer call() {
            OrdersCommand.checkInstant(spec, from, "--from");
            OrdersCommand.checkInstant(spec, to, "--to");
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("user_id", user);
            q.put("status", status);
            q.put("created_from", from);
            q.put("created_to", to);
            q.put("limit", limit);
            q.put("cursor", cursor);
            q.put("min_position", minPosition);
            HttpApi api = server.api();
            if (!all) {
                return Output.answer(spec, api.get("/api/orders" + HttpApi.query(q)));
            }
            PrintWriter out = spec.commandLine().getOut();
            while (true) {
                HttpApi.Response r = api.get("/api/orders" + HttpApi.query(q));
                if (!r.ok()) {
                    return Output.error(spec, r);
                }
                JsonNode page = JsonLines.parseResponse(r.body());
                page.path("orders").forEach(o -> out.println(Json.write(o)));
                out.flush();
                JsonNode next = page.path("next_cursor");
                if (!next.isTextual()) {
                    return 0;
                }
                q.put("cursor", next.asText());
                q.put("min_position", null);
            }
        }
    }
}
