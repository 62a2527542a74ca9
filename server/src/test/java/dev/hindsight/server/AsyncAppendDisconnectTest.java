package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that go away during an asynchronous single append on the file engine: one in the middle of its body, one
 * right after sending a whole request (before the durable write answers). Each request is answered (or its answer
 * dropped) and counted once, a cut-off body as a 400 (not a 500), the whole one is stored, and the server stops without
 * waiting for them.
 */
class AsyncAppendDisconnectTest {
    @TempDir
    Path dir;

    private static final String ROUTE =
            "hindsight_http_requests_total{method=\"POST\",route=\"/api/aggregates/{aggregate_id}/events\",status=\"";

    @Test
    void clientsGoneMidBodyAndBeforeTheAnswer_eachCountedOnce_wholeOnesStored() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir).withFsync(FsyncPolicy.ALWAYS));
        TestServer t = new TestServer(log, b -> b.registry(registry));
        String body = "{\"event_type\":\"A\",\"event_data\":{}}";
        try {
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket("127.0.0.1", t.server.port())) {
                    OutputStream out = s.getOutputStream();
                    // every other one by an escaped spelling of the id, which the blocking Javalin route serves
                    String half = i % 2 == 0 ? "half" : "h%61lf";
                    out.write(("POST /api/aggregates/" + half
                                    + "/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body.substring(0, 10))
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                try (Socket s = new Socket("127.0.0.1", t.server.port())) {
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /api/aggregates/whole/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            String metrics = "";
            while (System.nanoTime() < deadline) {
                metrics = t.get("/metrics").body();
                if (metrics.contains(ROUTE + "201\"} 20.0") && metrics.contains(ROUTE + "400\"} 20.0")) {
                    break;
                }
                Thread.sleep(50);
            }
            // a body cut off by the client's close is a body that ended early (400, invalid_request), as a short one
            // is; it answered 500 and logged an unexpected server error before
            assertThat(metrics)
                    .contains(ROUTE + "201\"} 20.0")
                    .contains(ROUTE + "400\"} 20.0")
                    .doesNotContain(ROUTE + "500")
                    .contains("hindsight_append_errors_total{code=\"invalid_request\"} 20.0");
            assertThat(t.store.read("whole").version()).isEqualTo(20);
            assertThat(t.store.read("half").version()).isZero();
            assertThat(t.post("/api/aggregates/after/events", body).status()).isEqualTo(201);
        } finally {
            long stopping = System.nanoTime();
            t.close();
            assertThat(System.nanoTime() - stopping)
                    .as("nothing left in flight for the graceful stop to wait for")
                    .isLessThan(5_000_000_000L);
        }
    }
}
