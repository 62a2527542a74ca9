package dev.hindsight.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeepAliveClientTest {
    @Test
    void fixedLengthAndChunkedAnswers_overOneKeptAliveConnection() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<Integer> clientPorts = new CopyOnWriteArrayList<>();
        server.createContext("/", ex -> {
            clientPorts.add(ex.getRemoteAddress().getPort());
            byte[] in = ex.getRequestBody().readAllBytes();
            String text = ex.getRequestMethod() + " " + ex.getRequestURI() + " "
                    + ex.getRequestHeaders().getFirst("X-Test") + " " + new String(in, StandardCharsets.UTF_8);
            byte[] out = text.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Consistency-Position", "42");
            boolean chunked = ex.getRequestURI().getPath().equals("/chunked");
            ex.sendResponseHeaders(201, chunked ? 0 : out.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(out);
            }
        });
        server.start();
        try (KeepAliveClient client = new KeepAliveClient(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), null)) {
            KeepAliveClient.Answer a = client.send(
                    "POST",
                    "/fixed?x=1",
                    Map.of("X-Test", "t1"),
                    "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
                    "consistency-position");
            KeepAliveClient.Answer b =
                    client.send("GET", "/chunked", Map.of("X-Test", "t2"), null, "consistency-position");

            assertThat(a.status()).isEqualTo(201);
            assertThat(new String(a.body(), StandardCharsets.UTF_8)).isEqualTo("POST /fixed?x=1 t1 {\"a\":1}");
            assertThat(a.headers()).containsExactly(Map.entry("consistency-position", "42"));
            assertThat(new String(b.body(), StandardCharsets.UTF_8)).isEqualTo("GET /chunked t2 ");
            assertThat(b.headers()).containsEntry("consistency-position", "42");
            assertThat(clientPorts).hasSize(2);
            assertThat(clientPorts.get(1))
                    .as("the second request reused the connection")
                    .isEqualTo(clientPorts.get(0));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdle_isReplacedAndTheRequestSentAgain() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket listener = new ServerSocket(0)) {
            // Answers exactly one request per connection, then closes it without saying so (no "Connection: close").
            Thread.ofPlatform().daemon().start(() -> {
                while (!listener.isClosed()) {
                    try (Socket s = listener.accept()) {
                        int n = connections.incrementAndGet();
                        BufferedReader r =
                                new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                        while (!r.readLine().isEmpty()) {
                            // request head
                        }
                        String body = "answer " + n;
                        s.getOutputStream()
                                .write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                                        .getBytes(StandardCharsets.UTF_8));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            try (KeepAliveClient client =
                    new KeepAliveClient(URI.create("http://127.0.0.1:" + listener.getLocalPort()), null)) {
                assertThat(new String(client.send("GET", "/", Map.of(), null).body(), StandardCharsets.UTF_8))
                        .isEqualTo("answer 1");
                assertThat(new String(client.send("GET", "/", Map.of(), null).body(), StandardCharsets.UTF_8))
                        .isEqualTo("answer 2");
            }
        }
        assertThat(connections).hasValue(2);
    }
}
