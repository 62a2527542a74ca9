package dev.hindsight.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
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
    void aConnectionTheServerClosedWhileIdle_isReplacedAndTheGetSentAgain() throws Exception {
        try (OneAnswerPerConnection server = new OneAnswerPerConnection();
                KeepAliveClient client = new KeepAliveClient(server.uri(), null)) {
            assertThat(text(client.send("GET", "/", Map.of(), null))).isEqualTo("answer 1");
            assertThat(text(client.send("GET", "/", Map.of(), null))).isEqualTo("answer 2");
            assertThat(server.connections).hasValue(2);
        }
    }

    @Test
    void aPostOnAConnectionTheServerClosed_isNotSentAgain() throws Exception {
        try (OneAnswerPerConnection server = new OneAnswerPerConnection();
                KeepAliveClient client = new KeepAliveClient(server.uri(), null, Long.MAX_VALUE)) {
            assertThat(text(client.send("POST", "/", Map.of(), new byte[] {'{', '}'})))
                    .isEqualTo("answer 1");

            assertThatThrownBy(() -> client.send("POST", "/", Map.of(), new byte[] {'{', '}'}))
                    .isInstanceOf(EOFException.class)
                    .hasMessageContaining("not sent again");
            assertThat(server.connections)
                    .as("no second connection, so no second request")
                    .hasValue(1);
        }
    }

    @Test
    void aPostAfterIdling_probesTheConnectionAndUsesANewOneWhenTheServerClosedIt() throws Exception {
        try (OneAnswerPerConnection server = new OneAnswerPerConnection();
                KeepAliveClient client = new KeepAliveClient(server.uri(), null, 0)) {
            assertThat(text(client.send("POST", "/", Map.of(), new byte[] {'{', '}'})))
                    .isEqualTo("answer 1");
            Thread.sleep(200); // the server's close reaches the client

            assertThat(text(client.send("POST", "/", Map.of(), new byte[] {'{', '}'})))
                    .isEqualTo("answer 2");
            assertThat(server.connections).hasValue(2);
        }
    }

    @Test
    void aPostAfterIdling_reusesAConnectionTheServerKeptOpen() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<Integer> clientPorts = new CopyOnWriteArrayList<>();
        server.createContext("/", ex -> {
            clientPorts.add(ex.getRemoteAddress().getPort());
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        try (KeepAliveClient client = new KeepAliveClient(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), null, 0)) {
            assertThat(client.send("POST", "/", Map.of(), new byte[] {'{', '}'}).status())
                    .isEqualTo(204);
            Thread.sleep(50);
            assertThat(client.send("POST", "/", Map.of(), new byte[] {'{', '}'}).status())
                    .isEqualTo(204);

            assertThat(clientPorts).hasSize(2);
            assertThat(clientPorts.get(1))
                    .as("the probe kept the live connection")
                    .isEqualTo(clientPorts.get(0));
        } finally {
            server.stop(0);
        }
    }

    private static String text(KeepAliveClient.Answer a) {
        return new String(a.body(), StandardCharsets.UTF_8);
    }

    /** Answers exactly one request per connection, then closes it without saying so (no "Connection: close"). */
    private static final class OneAnswerPerConnection implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        private final ServerSocket listener;

        OneAnswerPerConnection() throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().start(() -> {
                while (!listener.isClosed()) {
                    try (Socket s = listener.accept()) {
                        int n = connections.incrementAndGet();
                        InputStream in = s.getInputStream();
                        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
                        int length = 0;
                        for (String h = r.readLine(); !h.isEmpty(); h = r.readLine()) {
                            if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                                length = Integer.parseInt(h.substring(15).trim());
                            }
                        }
                        for (int i = 0; i < length; i++) {
                            r.read();
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
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + listener.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
