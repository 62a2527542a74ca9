package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A GET that must answer 200 with JSON, for tests of a running server. */
final class HttpGet {
    private HttpGet() {}

    static JsonNode json(String uri) throws IOException {
        return Json.mapper().readTree(text(uri));
    }

    /** The body of a GET that must answer 200. */
    static String text(String uri) throws IOException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(uri)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * Checks a {@code GET /api/storage} answer's parts: each measured and positive, the total their sum; returns the
     * log's bytes.
     */
    static long assertStorageMeasured(JsonNode storage) {
        JsonNode bytes = storage.get("bytes_on_disk");
        long log = bytes.get("log").asLong();
        assertThat(log).isPositive();
        assertThat(bytes.get("snapshots").asLong()).isPositive();
        assertThat(bytes.get("read_model").asLong()).isPositive();
        assertThat(bytes.get("total").asLong())
                .isEqualTo(log
                        + bytes.get("snapshots").asLong()
                        + bytes.get("read_model").asLong());
        return log;
    }
}
