package dev.hindsight.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight orders ...}: a thin client of the order system's HTTP API. Each subcommand sends one request (list
 * with {@code --all} follows the cursors) and prints the server's JSON answer; errors go to stderr with exit code 1.
 * Not thread-safe.
 */
@Command(
        name = "orders",
        mixinStandardHelpOptions = true,
        description = "Work with the order system of a running server.",
        subcommands = {
            OrdersCommand.Create.class,
            OrdersCommand.Pay.class,
            OrdersCommand.Ship.class,
            OrdersCommand.Deliver.class,
            OrdersCommand.Cancel.class,
            OrdersCommand.Return.class,
            OrdersCommand.Refund.class,
            OrdersCommand.Adjust.class,
            OrderQueryCommands.Get.class,
            OrderQueryCommands.History.class,
            OrderQueryCommands.ListOrders.class
        })
final class OrdersCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(),
                "Missing subcommand: use one of "
                        + String.join(", ", spec.subcommands().keySet()));
    }

    static String orderPath(String id, String suffix) {
        return "/api/orders/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + suffix;
    }

    /** Options of every write: who, under which correlation, at which expected version. */
    static final class WriteOptions {
        @Option(names = "--user-id", description = "Acting user, recorded in the events (X-User-Id).")
        String userId;

        @Option(names = "--correlation-id", description = "Correlation id for the events (X-Correlation-Id).")
        String correlationId;

        @Option(names = "--expected-version", description = "Fail with 409 unless the order is at this version.")
        Long expectedVersion;

        Map<String, String> headers() {
            Map<String, String> h = new LinkedHashMap<>();
            if (userId != null) {
                h.put("X-User-Id", userId);
            }
            if (correlationId != null) {
                h.put("X-Correlation-Id", correlationId);
            }
            if (expectedVersion != null) {
                h.put("Expected-Version", Long.toString(expectedVersion));
            }
            return h;
        }
    }

    /** A command on one existing order: POST a body to {@code /api/orders/<id>/<verb>}. */
    abstract static class OrderWrite implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Mixin
        WriteOptions write;

        @Parameters(index = "0", paramLabel = "ORDER_ID", description = "The order.")
        String orderId;

        abstract void body(JsonGenerator g) throws IOException;

        @Override
        public Integer call() {
            String verb = spec.name();
            return Output.answer(
                    spec, server.api().post(orderPath(orderId, "/" + verb), json(this::body), write.headers()));
        }
    }

    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static String json(Body body) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(w)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    static void optional(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }

    static void items(JsonGenerator g, List<String> items, CommandSpec spec) throws IOException {
        g.writeArrayFieldStart("items");
        for (String item : items) {
            int last = item.lastIndexOf(':');
            int mid = last < 0 ? -1 : item.lastIndexOf(':', last - 1);
            if (mid <= 0) {
                throw new ParameterException(
                        spec.commandLine(),
                        "Invalid --item '" + item + "': expected SKU:QUANTITY:UNIT_PRICE, e.g. book:2:19.99");
            }
            g.writeStartObject();
            g.writeStringField("sku", item.substring(0, mid));
            g.writeFieldName("quantity");
            g.writeNumber(decimal(item.substring(mid + 1, last), "quantity of --item " + item, spec));
            g.writeFieldName("unit_price");
            g.writeNumber(decimal(item.substring(last + 1), "price of --item " + item, spec));
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    static BigDecimal decimal(String text, String what, CommandSpec spec) {
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "Invalid " + what + ": '" + text + "' is not a number");
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Place an order; prints it.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ServerUrl server;

        @Mixin
        WriteOptions write;

        @Option(names = "--user", required = true, description = "The customer (user_id).")
        String user;

        @Option(names = "--currency", defaultValue = "USD", description = "ISO 4217 code (default: USD).")
        String currency;

        @Option(
                names = "--item",
                required = true,
                paramLabel = "SKU:QTY:PRICE",
                description = "A line, e.g. book:2:19.99; repeat for more.")
        List<String> items;

        @Override
        public Integer call() {
            String body = json(g -> {
                g.writeStringField("user_id", user);
                g.writeStringField("currency", currency);
                items(g, items, spec);
            });
            return Output.answer(spec, server.api().post("/api/orders", body, write.headers()));
        }
    }

    @Command(name = "pay", mixinStandardHelpOptions = true, description = "Pay an order (the amount is its total).")
    static final class Pay extends OrderWrite {
        @Option(names = "--payment-id", required = true, description = "The payment provider's id.")
        String paymentId;

        @Option(names = "--amount", required = true, description = "Amount paid, e.g. 41.48.")
        String amount;

        @Option(
                names = "--method",
                defaultValue = "credit_card",
                description = "Payment method (default: ${DEFAULT-VALUE}).")
        String method;

        @Override
        void body(JsonGenerator g) throws IOException {
            g.writeStringField("payment_id", paymentId);
            g.writeFieldName("amount");
            g.writeNumber(decimal(amount, "--amount", spec));
            g.writeStringField("payment_method", method);
        }
    }

    @Command(name = "ship", mixinStandardHelpOptions = true, description = "Ship a paid order.")
    static final class Ship extends OrderWrite {
        @Option(names = "--tracking", required = true, description = "Tracking number.")
        String tracking;

        @Option(names = "--carrier", required = true, description = "Carrier, e.g. UPS.")
        String carrier;

        @Override
        void body(JsonGenerator g) throws IOException {
            g.writeStringField("tracking_number", tracking);
            g.writeStringField("carrier", carrier);
        }
    }

    @Command(name = "deliver", mixinStandardHelpOptions = true, description = "Record the delivery of a shipped order.")
    static final class Deliver extends OrderWrite {
        @Override
        void body(JsonGenerator g) {}
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel an order that has not shipped.")
    static final class Cancel extends OrderWrite {
        @Option(names = "--reason", description = "Why.")
        String reason;

        @Override
        void body(JsonGenerator g) throws IOException {
            optional(g, "reason", reason);
        }
    }

    @Command(name = "return", mixinStandardHelpOptions = true, description = "Record the return of a delivered order.")
    static final class Return extends OrderWrite {
        @Option(names = "--reason", description = "Why.")
        String reason;

        @Override
        void body(JsonGenerator g) throws IOException {
            optional(g, "reason", reason);
        }
    }

    @Command(
            name = "refund",
            mixinStandardHelpOptions = true,
            description = "Refund a cancelled or returned order (all that is left, unless --amount).")
    static final class Refund extends OrderWrite {
        @Option(names = "--amount", description = "Amount to refund; default: all that is left.")
        String amount;

        @Option(names = "--reason", description = "Why.")
        String reason;

        @Option(names = "--refund-id", description = "The payment provider's refund id; default: generated.")
        String refundId;

        @Override
        void body(JsonGenerator g) throws IOException {
            if (amount != null) {
                g.writeFieldName("amount");
                g.writeNumber(decimal(amount, "--amount", spec));
            }
            optional(g, "reason", reason);
            optional(g, "refund_id", refundId);
        }
    }

    @Command(name = "adjust", mixinStandardHelpOptions = true, description = "Correct the lines of an unpaid order.")
    static final class Adjust extends OrderWrite {
        @Option(names = "--item", required = true, paramLabel = "SKU:QTY:PRICE", description = "A new line; repeat.")
        List<String> items;

        @Option(names = "--reason", description = "Why.")
        String reason;

        @Override
        void body(JsonGenerator g) throws IOException {
            items(g, items, spec);
            optional(g, "reason", reason);
        }
    }

    static void checkInstant(CommandSpec spec, String value, String option) {
        if (value == null) {
            return;
        }
        try {
            Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "Invalid " + option + " '" + value + "': expected an ISO-8601 instant like 2024-05-01T12:00:00Z");
        }
    }
}
