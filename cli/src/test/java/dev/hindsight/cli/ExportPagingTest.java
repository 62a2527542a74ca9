package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code export} reads to the head it saw at the start: a page with no events whose {@code next} still moves (the file
 * engine after 100,000 retention-deleted positions; system events hidden from a non-admin token) is not the end (it
 * stopped there, and the export silently lacked every later event).
 */
class ExportPagingTest {
    private static final Map<String, String> PAGES = Map.of(
            "0", "{\"events\":[],\"next\":\"3\"}",
            "3", "{\"events\":[" + event(4) + "," + event(5) + "],\"next\":\"5\"}",
            "5", "{\"events\":[],\"next\":\"5\"}");

    @Test
    void export_emptyPageThatMovesTheCursor_goesOnToTheHead() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health", ex -> answer(ex, "{\"status\":\"ok\",\"head\":\"5\"}"));
        server.createContext("/api/events", ex -> {
            String after = ex.getRequestURI().getQuery().replaceAll(".*after=([0-9]+).*", "$1");
            answer(ex, PAGES.getOrDefault(after, "{\"events\":[],\"next\":\"" + after + "\"}"));
        });
        server.start();
        try {
            CliRun r = CliRun.of(
                    "export", "--url", "http://127.0.0.1:" + server.getAddress().getPort());
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out().lines().toList()).isEqualTo(List.of(event(4), event(5)));
        } finally {
            server.stop(0);
        }
    }

    private static String event(int position) {
        return "{\"aggregate_id\":\"a\",\"event_type\":\"E\",\"position\":\"" + position + "\"}";
    }

    private static void answer(HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}
