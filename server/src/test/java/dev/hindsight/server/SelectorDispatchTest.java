package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import dev.hindsight.testkit.ForwardingEventLog;
import dev.hindsight.testkit.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handler tree is non-blocking to Jetty ({@code SelectorDispatch}): single appends to a store whose asynchronous
 * append never blocks are served on the thread that read them (Jetty's selector) when their body came with them,
 * everything else on a virtual thread; nothing that may block runs on the selector, and the two paths answer byte for
 * byte alike.
 */
class SelectorDispatchTest {
    private static final String EVENT = "{\"event_type\":\"E\",\"event_data\":{\"n\":1}}";

    @TempDir
    Path dir;

    /** The file engine, remembering on which thread each aggregate's append was handed over. */
    private static final class RecordingFileLog extends ForwardingEventLog {
        final FileEventLog file;
        final Map<String, Thread> threads = new ConcurrentHashMap<>();

        RecordingFileLog(FileEventLog file) {
            super(file);
            this.file = file;
        }

        @Override
        public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
            threads.put(aggregateId, Thread.currentThread());
            return file.append(aggregateId, expected, events);
        }

        @Override
        public CompletableFuture<AppendResult> appendAsync(
                String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
            threads.put(aggregateId, Thread.currentThread());
            return file.appendAsync(aggregateId, expected, events);
        }

        @Override
        public boolean appendAsyncNeverBlocks() {
            return file.appendAsyncNeverBlocks();
        }
    }

    private FileEventLog file() {
        return FileEventLog.open(FileLogOptions.defaults(dir).withFsync(FsyncPolicy.ALWAYS));
    }

    @Test
    void singleAppendOnTheFileEngine_handedOverByTheThreadThatReadIt_othersOnVirtualThreads() throws Exception {
        RecordingFileLog log = new RecordingFileLog(file());
        try (TestServer t = new TestServer(log)) {
            // header and body in one write (the JDK's client writes them apart: its body may come later, and the
            // append then goes on on a virtual thread)
            assertThat(exchange(t.server.port(), "/api/aggregates/plain/events", "", EVENT))
                    .startsWith("HTTP/1.1 201 Created\r\n");
            // an escaped id goes to the Javalin route, which may block
            assertThat(t.post("/api/aggregates/escap%65d/events", EVENT).status())
                    .isEqualTo(201);
            assertThat(t.post("/api/appends", "{\"appends\":[{\"aggregate_id\":\"bulk\",\"events\":" + EVENT + "}]}")
                            .status())
                    .isEqualTo(200);

            assertThat(log.threads.get("plain").isVirtual())
                    .as("served on Jetty's selector, not a thread per request")
                    .isFalse();
            assertThat(log.threads.get("escaped").isVirtual()).isTrue();
            // the bulk route waits for its durable write: on a virtual thread (appendAll is not recorded; the
            // answer shows it was served)
            assertThat(t.get("/api/aggregates/bulk/events")
                            .json()
                            .get("version")
                            .asLong())
                    .isEqualTo(1);
        }
    }

    @Test
    void engineWhoseAppendBlocks_servedOffTheSelector_otherConnectionsAnswered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        ForwardingLog gated = new ForwardingLog() {
            @Override
            public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.append(aggregateId, expected, events);
            }
        };
        try (TestServer t = new TestServer(gated)) {
            CompletableFuture<TestServer.Response> waiting =
                    CompletableFuture.supplyAsync(() -> t.post("/api/aggregates/g/events", EVENT));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            // had the blocked append run on the selector, no other connection would be read now
            for (int i = 0; i < 4; i++) {
                assertThat(t.get("/health").status()).isEqualTo(200);
            }
            assertThat(waiting).isNotDone();
            release.countDown();
            assertThat(waiting.get(5, TimeUnit.SECONDS).status()).isEqualTo(201);
        }
    }

    @Test
    void bodyNotAllWithItsHeader_restReadOffTheSelector_sameEventStored() throws Exception {
        RecordingFileLog log = new RecordingFileLog(file());
        try (TestServer t = new TestServer(log)) {
            try (Socket s = new Socket("127.0.0.1", t.server.port())) {
                s.setSoTimeout(5_000);
                OutputStream out = s.getOutputStream();
                out.write(
                        head("/api/aggregates/split/events", EVENT.length(), "").getBytes(StandardCharsets.ISO_8859_1));
                out.write(EVENT.substring(0, 12).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(200);

                // meanwhile the selector serves other connections
                assertThat(t.get("/health").status()).isEqualTo(200);

                out.write(EVENT.substring(12).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String answer = readAnswer(s.getInputStream());
                assertThat(answer).startsWith("HTTP/1.1 201 Created\r\n");
            }
            assertThat(log.threads.get("split").isVirtual())
                    .as("waited for the rest of its body on a virtual thread")
                    .isTrue();
            assertThat(t.get("/api/aggregates/split/events")
                            .json()
                            .get("events")
                            .get(0)
                            .get("event_data")
                            .get("n")
                            .asInt())
                    .isEqualTo(1);
        }
    }

    @Test
    void selectorAndJavalinRoutes_answerByteForByteAlike() throws Exception {
        try (TestServer t = new TestServer(file())) {
            int port = t.server.port();
            // 'x' and '%78' name the same aggregate: the first is served on the selector, the second by Javalin
            assertThat(statusAndHeaders(exchange(port, "/api/aggregates/x/events", "", EVENT)))
                    .isEqualTo(statusAndHeaders(exchange(port, "/api/aggregates/%78/events", "", EVENT)));
            for (String[] c : new String[][] {
                {"Expected-Version: no_stream\r\n", EVENT}, // 409
                {"Expected-Version: 9\r\n", EVENT}, // 409
                {"Expected-Version: nine\r\n", EVENT}, // 400
                {"", "{nope"}, // 400
                {"", "[]"}, // 400
                {"", ""}, // 400
                {"", "{\"event_data\":{}}"}, // 400
            }) {
                assertThat(exchange(port, "/api/aggregates/x/events", c[0], c[1]))
                        .as(c[0] + c[1])
                        .isEqualTo(exchange(port, "/api/aggregates/%78/events", c[0], c[1]));
            }
            assertThat(exchange(port, "/api/aggregates/x/events", "", EVENT))
                    .contains("\"aggregate_id\":\"x\",\"first_version\":3,\"last_version\":3");
        }
    }

    private static String head(String path, int length, String headers) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers
                + "Content-Length: " + length + "\r\n\r\n";
    }

    /**
     * Over TLS nothing is served on the selector: the selector would also run each connection's handshake (a
     * signature, about a millisecond of CPU) while every other connection waits. A single append whose body came in
     * the same TLS record as its header is handed over by a virtual thread.
     */
    @Test
    void tls_singleAppendWithItsBody_handedOverByAVirtualThread() throws Exception {
        TestCertificates.Pems pems = TestCertificates.selfSigned(dir.resolve("tls"), "EC");
        RecordingFileLog log = new RecordingFileLog(file());
        try (TestServer t = new TestServer(log, b -> b.tls(pems.cert(), pems.key()));
                Socket s = Tls.trusting(pems.cert()).getSocketFactory().createSocket("127.0.0.1", t.server.port())) {
            ((SSLSocket) s).startHandshake();
            // header and body in one write: one TLS record
            assertThat(exchange(s, "/api/aggregates/secure/events", "", EVENT)).startsWith("HTTP/1.1 201 Created\r\n");
            assertThat(log.threads.get("secure").isVirtual())
                    .as("not on Jetty's selector under TLS")
                    .isTrue();
        }
    }

    /** One request on a new connection; the answer with its {@code Date} masked. */
    private static String exchange(int port, String path, String headers, String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return exchange(s, path, headers, body);
        }
    }

    /** One request on {@code s}; the answer with its {@code Date} masked. */
    private static String exchange(Socket s, String path, String headers, String body) throws IOException {
        s.setSoTimeout(5_000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(head(path, bytes.length, headers).getBytes(StandardCharsets.ISO_8859_1));
        request.write(bytes);
        // in one write: the body comes with its header
        s.getOutputStream().write(request.toByteArray());
        s.getOutputStream().flush();
        return readAnswer(s.getInputStream()).replaceAll("Date: [^\r\n]*", "Date: -");
    }

    private static String statusAndHeaders(String answer) {
        return answer.substring(0, answer.indexOf("\r\n\r\n"));
    }

    /** One answer with a {@code Content-Length}: its head and body. */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            while (true) {
                String text = got.toString(StandardCharsets.UTF_8);
                int end = text.indexOf("\r\n\r\n");
                if (end >= 0) {
                    int at = text.indexOf("Content-Length: ");
                    int length = Integer.parseInt(text.substring(at + 16, text.indexOf("\r\n", at)));
                    if (got.size() >= end + 4 + length) {
                        return text;
                    }
                }
                int n = in.read(buf);
                if (n < 0) {
                    return got.toString(StandardCharsets.UTF_8);
                }
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return got.toString(StandardCharsets.UTF_8);
        }
    }
}
