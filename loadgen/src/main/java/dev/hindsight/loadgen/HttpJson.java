package dev.hindsight.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A small JSON client of one Hindsight server (HTTP/1.1 keep-alive, {@link KeepAliveClient}: blocking, on the caller's
 * thread). Thread-safe.
 */
final class HttpJson {
    private static final String POSITION = "consistency-position";

    private final URI base;
    private final KeepAliveClient http;
    private final Map<String, String> getHeaders;
    private final @Nullable String authorization;

    HttpJson(URI base, HttpAccess access) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.http = new KeepAliveClient(this.base, access.ssl());
        this.authorization = access.token() == null ? null : "Bearer " + access.token();
        this.getHeaders = authorization == null ? Map.of() : Map.of("Authorization", authorization);
    }

    URI base() {
        return base;
    }

    /**
     * An answer.
     *
     * @param status HTTP status
     * @param content the body
     * @param position the {@code Consistency-Position} header, or {@code ""}
     */
    record Response(int status, byte[] content, String position) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The body as text. */
        String body() {
            return new String(content, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return Json.mapper().readTree(content);
            } catch (IOException e) {
                throw new IllegalStateException(
                        "the server answered HTTP " + status + " with something that is not" + " JSON: " + body(), e);
            }
        }
    }

    Response get(String pathAndQuery) {
        return send("GET", pathAndQuery, getHeaders, null);
    }

    Response post(String path, String json, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(headers.size() + 2);
        h.put("Content-Type", "application/json");
        if (authorization != null) {
            h.put("Authorization", authorization);
        }
        h.putAll(headers);
        return send("POST", path, h, json.getBytes(StandardCharsets.UTF_8));
    }

    private Response send(String method, String pathAndQuery, Map<String, String> headers, byte @Nullable [] body) {
        try {
            KeepAliveClient.Answer a = http.send(method, base.getRawPath() + pathAndQuery, headers, body, POSITION);
            return new Response(a.status(), a.body(), a.headers().getOrDefault(POSITION, ""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + base + ": " + e.getMessage(), e);
        }
    }
}
