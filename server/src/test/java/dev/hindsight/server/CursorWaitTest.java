package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.memory.InMemoryEventLog;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A read of the global log after a cursor the head has not reached yet (an append's own position, on PostgreSQL while
 * an older append is in flight) waits for the log instead of answering an empty page or refusing the cursor, and then
 * reads again; a cursor at the head answers at once.
 */
class CursorWaitTest {
    private static final TestServer T = new TestServer(new InMemoryEventLog());
    private static final String THREE =
            "[" + String.join(",", Collections.nCopies(3, "{\"event_type\":\"E\",\"event_data\":{}}")) + "]";

    @AfterAll
    static void stop() {
        T.close();
    }

    private static long head() {
        return Long.parseLong(T.get("/health").json().get("head").asText());
    }

    @Test
    void readAll_cursorAheadOfTheHead_waitsForTheAppendAndReadsWhatCameAfter() throws Exception {
        long head = head();
        var page = CompletableFuture.supplyAsync(() -> T.get("/api/events?after=" + (head + 2)));
        Thread.sleep(200);
        assertThat(page).as("still waiting for the head to reach the cursor").isNotDone();

        var append = T.post("/api/aggregates/wait-1/events", THREE);

        assertThat(append.status()).as(append.body()).isEqualTo(201);
        var r = page.get(5, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("events")).hasSize(1);
        assertThat(r.json().get("events").get(0).get("position").asText()).isEqualTo(String.valueOf(head + 3));
        assertThat(r.json().get("next").asText()).isEqualTo(String.valueOf(head + 3));
    }

    @Test
    void readAll_cursorAtTheHead_answersAnEmptyPageAtOnce() {
        T.post("/api/aggregates/wait-2/events", THREE);
        long head = head();

        long start = System.nanoTime();
        var r = T.get("/api/events?after=" + head);
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("events")).isEmpty();
        assertThat(tookMs).as("no wait for a cursor the head covers").isLessThan(500);
    }
}
