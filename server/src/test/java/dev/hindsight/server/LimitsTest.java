package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.auth.FileTokenStore;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resource limits: slow headers and bodies, the per-token request rate, the number of live feeds. */
class LimitsTest {
    @TempDir
    Path dir;

    /** Sends {@code head} then trickles {@code trickle} a byte every 200 ms; returns when the server closes. */
    private static long secondsUntilClosed(int port, String head, String trickle) throws IOException {
        long start = System.nanoTime();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(200);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 100; i++) { // at most 20 s
                try {
                    out.write(trickle.charAt(i % trickle.length()));
                    out.flush();
                } catch (IOException e) {
                    break; // closed by the server
                }
                try {
                    if (in.read() < 0) {
                        break;
                    }
                    // an answer (e.g. 408): read on until the server closes
                } catch (SocketTimeoutException e) {
                    // still open: trickle on
                } catch (IOException e) {
                    break;
                }
            }
        }
        return Duration.ofNanos(System.nanoTime() - start).toSeconds();
    }

    @Test
    void slowloris_aTrickledHeaderIsCutAfterTheHeaderTimeout_normalRequestsStillServed() throws IOException {
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.headerTimeout(Duration.ofSeconds(1)))) {
            long seconds =
                    secondsUntilClosed(t.server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n", "X-Slow: abc\r\n");

            assertThat(seconds).isLessThan(5);
            assertThat(t.get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void slowBody_belowTheMinimumRate_isCut() throws IOException {
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.minBodyRate(1_024))) {
            long seconds = secondsUntilClosed(
                    t.server.port(),
                    "POST /api/aggregates/a/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 100000\r\n\r\n{\"event_type\":\"T\",\"event_data\":{\"x\":\"",
                    "a");

            assertThat(seconds).isLessThan(15);
            assertThat(t.store.head().toString()).isEqualTo("0");
            // A body sent at once is served as ever.
            assertThat(t.post("/api/aggregates/a/events", "{\"event_type\":\"T\",\"event_data\":{\"x\":\"y\"}}")
                            .status())
                    .isEqualTo(201);
        }
    }

    @Test
    void rateLimit_perToken_429WithRetryAfter_otherTokensUnaffected() {
        FileTokenStore tokens = new FileTokenStore(dir);
        String busy = tokens.create("busy", Role.reader, null).secret();
        String calm = tokens.create("calm", Role.reader, null).secret();
        try (TestServer t =
                new TestServer(new InMemoryEventLog(), b -> b.tokens(tokens).rateLimit(5))) {
            List<Integer> statuses = new ArrayList<>();
            TestServer.Response limited = null;
            for (int i = 0; i < 20 && limited == null; i++) {
                TestServer.Response r = t.send(
                        HttpRequest.newBuilder(t.uri("/api/events?after=0")).header("Authorization", "Bearer " + busy));
                statuses.add(r.status());
                if (r.status() == 429) {
                    limited = r;
                }
            }

            assertThat(limited).as("statuses " + statuses).isNotNull();
            assertThat(statuses.indexOf(429)).isGreaterThanOrEqualTo(5);
            assertThat(limited.error()).isEqualTo("rate_limited");
            assertThat(t.send(HttpRequest.newBuilder(t.uri("/api/events?after=0"))
                                    .header("Authorization", "Bearer " + calm))
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void rateLimit_answerCarriesRetryAfter() throws Exception {
        FileTokenStore tokens = new FileTokenStore(dir);
        String busy = tokens.create("busy", Role.reader, null).secret();
        try (TestServer t =
                new TestServer(new InMemoryEventLog(), b -> b.tokens(tokens).rateLimit(1))) {
            HttpResponse<String> r = null;
            for (int i = 0; i < 5; i++) {
                r = t.http.send(
                        HttpRequest.newBuilder(t.uri("/api/events"))
                                .header("Authorization", "Bearer " + busy)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            }
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        }
    }

    /**
     * Revoking a token ends the live feeds open with it (within the token refresh), with an {@code unauthorized}
     * error frame: before, a feed opened with a token went on streaming every new event after its revocation.
     */
    @Test
    void liveFeed_tokenRevoked_feedEndsWithAnUnauthorizedFrame() throws Exception {
        FileTokenStore tokens = new FileTokenStore(dir);
        String secret = tokens.create("watcher", Role.reader, null).secret();
        try (TestServer t = new TestServer(
                        new InMemoryEventLog(), b -> b.tokens(tokens).tokenRefresh(Duration.ofMillis(50)));
                SseReader feed =
                        new SseReader(t.http, t.uri("/api/events/live?after=0&access_token=" + secret), null)) {
            assertThat(feed.status).isEqualTo(200);
            t.store.append("a", ExpectedVersion.ANY, EventData.of("Seen", "{}"));
            assertThat(feed.next().data()).contains("Seen");

            tokens.revoke("watcher");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (t.send(HttpRequest.newBuilder(t.uri("/api/events")).header("Authorization", "Bearer " + secret))
                                    .status()
                            != 401
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            t.store.append("a", ExpectedVersion.ANY, EventData.of("NotForRevokedTokens", "{}"));

            SseReader.Frame f = feed.next();
            assertThat(f.event()).as(f.data()).isEqualTo("error");
            assertThat(f.data()).contains("\"error\":\"unauthorized\"").doesNotContain("NotForRevokedTokens");
            assertThat(feed.awaitEnd(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void liveFeeds_overTheCap_answer503WithRetryAfter_andAFreedSlotIsReused() throws Exception {
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.maxLiveFeeds(2))) {
            List<HttpResponse<InputStream>> open = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                open.add(t.http.send(
                        HttpRequest.newBuilder(t.uri("/api/events/live")).build(),
                        HttpResponse.BodyHandlers.ofInputStream()));
                assertThat(open.get(i).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> third = t.http.send(
                    HttpRequest.newBuilder(t.uri("/api/events/live")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(third.statusCode()).isEqualTo(503);
            assertThat(third.body()).contains("too_many_subscribers");
            assertThat(third.headers().firstValue("Retry-After")).isPresent();

            open.getFirst().body().close();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int status;
            do {
                Thread.sleep(100);
                HttpResponse<InputStream> again = t.http.send(
                        HttpRequest.newBuilder(t.uri("/api/events/live")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                status = again.statusCode();
                again.body().close();
            } while (status != 200 && System.nanoTime() < deadline);
            assertThat(status).isEqualTo(200);
            open.get(1).body().close();
        }
    }

    @Test
    void liveFeed_aConsumerThatFallsBehindTheBuffer_getsASlowConsumerErrorAndIsDisconnected() throws Exception {
        try (TestServer t = new TestServer(new InMemoryEventLog(), b -> b.liveFeedBuffer(64 * 1024))) {
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", t.server.port()));
                s.getOutputStream()
                        .write("GET /api/events/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                Thread.sleep(300); // the feed starts at the head: subscribe before appending
                String pad = "x".repeat(2_000);
                for (int i = 0; i < 5_000; i++) {
                    t.store.append(
                            "slow-" + i,
                            dev.hindsight.core.ExpectedVersion.ANY,
                            List.of(dev.hindsight.core.EventData.of("Padded", "{\"pad\":\"" + pad + "\"}")));
                }
                // Only now does the client read: it gets what was buffered, then the reason, then the end.
                s.setSoTimeout(20_000);
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                byte[] buf = new byte[65_536];
                String tail = "";
                int n;
                // read until the whole reason has arrived (it may come split over reads) or the server closes
                while (!(tail.contains("slow_consumer") && tail.contains("Last-Event-ID"))
                        && (n = s.getInputStream().read(buf)) > 0) {
                    all.write(buf, 0, n);
                    tail = tail.substring(Math.max(0, tail.length() - 2_000))
                            + new String(buf, 0, n, StandardCharsets.UTF_8);
                }
                assertThat(tail)
                        .contains("event: error")
                        .contains("slow_consumer")
                        .contains("Last-Event-ID");
                assertThat(all.size()).isLessThan(5_000 * 2_000);
            }
        }
    }
}
