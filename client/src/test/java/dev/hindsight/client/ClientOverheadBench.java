package dev.hindsight.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's overhead on the floor's read: a 1,000-event aggregate loaded over loopback, p99 through the client
 * ({@code EventStore} over {@link RemoteEventLog}: request, answer, JSON into events) against the server's own answer
 * to the same request (the bytes, not parsed), measured interleaved in one run so machine load hits both alike. The
 * embedded read (no HTTP at all) is printed for reference. A benchmark, not part of the test run (the name matches
 * neither Surefire's nor Failsafe's patterns; a timed assertion would flake on a busy machine): run with
 * {@code ./mvnw -pl client -am test -Dtest=ClientOverheadBench -Dsurefire.failIfNoSpecifiedTests=false}. It prints
 * the ratio and whether the floor (client p99 ≤ 3 × the server's) holds.
 */
class ClientOverheadBench {
    private static final int EVENTS = 1_000;
    private static final int WARMUP = 200;
    private static final int ROUNDS = 400;

    @TempDir
    Path dir;

    @Test
    void load1000Events_p99ThroughTheClient_isWithinThreeTimesTheServers() throws Exception {
        try (ServedLog served = new ServedLog(FileEventLog.open(FileLogOptions.defaults(dir.resolve("log"))))) {
            EventStore embedded = served.server.store();
            List<EventData> batch = new ArrayList<>();
            for (int i = 0; i < EVENTS; i++) {
                batch.add(EventData.of("Deposited", "{\"amount\":" + i + ",\"note\":\"a typical small payload\"}"));
                if (batch.size() == 100) {
                    embedded.append("acc-1", ExpectedVersion.ANY, batch);
                    batch.clear();
                }
            }
            EventStore client = EventStore.of(served.client);
            HttpClient http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest raw = HttpRequest.newBuilder(
                            URI.create(served.client.baseUri() + "/api/aggregates/acc-1/events?limit=10000"))
                    .GET()
                    .build();

            long[] viaClient = new long[ROUNDS];
            long[] server = new long[ROUNDS];
            long[] inProcess = new long[ROUNDS];
            for (int i = -WARMUP; i < ROUNDS; i++) {
                long t0 = System.nanoTime();
                assertThat(client.read("acc-1").events()).hasSize(EVENTS);
                long t1 = System.nanoTime();
                assertThat(http.send(raw, HttpResponse.BodyHandlers.ofByteArray())
                                .statusCode())
                        .isEqualTo(200);
                long t2 = System.nanoTime();
                assertThat(embedded.read("acc-1").events()).hasSize(EVENTS);
                long t3 = System.nanoTime();
                if (i >= 0) {
                    viaClient[i] = t1 - t0;
                    server[i] = t2 - t1;
                    inProcess[i] = t3 - t2;
                }
            }
            double clientP99 = p99(viaClient);
            double serverP99 = p99(server);
            System.out.printf(
                    "1,000-event aggregate load, p50/p99 ms (loaded machine): client %.2f/%.2f, server's answer"
                            + " %.2f/%.2f, embedded %.2f/%.2f; client p99 / server p99 = %.2f%n",
                    p50(viaClient),
                    clientP99,
                    p50(server),
                    serverP99,
                    p50(inProcess),
                    p99(inProcess),
                    clientP99 / serverP99);
            System.out.println("floor client p99 <= 3 x server p99: " + (clientP99 <= 3 * serverP99 ? "PASS" : "MISS"));
        }
    }

    private static double p99(long[] nanos) {
        return percentile(nanos, 0.99);
    }

    private static double p50(long[] nanos) {
        return percentile(nanos, 0.50);
    }

    private static double percentile(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.ceil(p * sorted.length) - 1] / 1e6;
    }
}
