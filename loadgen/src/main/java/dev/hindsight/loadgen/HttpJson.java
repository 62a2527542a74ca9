package dev.hindsight.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A small JSON client of one Hindsight server (java.net.http, HTTP/1.1 keep-alive). Thread-safe. */
final class HttpJson {
    private final URI base;
    private final HttpAccess access;
    private final HttpClient http;

    HttpJson(URI base, HttpAccess access) {
        this.access = access;
        this.http = access.client();
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    URI base() {
        return base;
    }

    /**
     * An answer.
     *
     * @param status HTTP status
     * @param body the body text
     * @param position the {@code Consistency-Position} header, or {@code ""}
     */
    record Response(int status, String body, String position) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(
                        "the server answered HTTP " + status + " with something that is not" + " JSON: " + body, e);
            }
        }
    }

    Response get(String pathAndQuery) {
        return send(access.authorize(HttpRequest.newBuilder(URI.create(base + pathAndQuery)))
                .GET()
                .build());
    }

    Response post(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder r = access.authorize(HttpRequest.newBuilder(URI.create(base + path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(r::header);
        return send(r.build());
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(
                    r.statusCode(),
                    r.body(),
                    r.headers().firstValue("Consistency-Position").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
