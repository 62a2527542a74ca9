package dev.hindsight.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/** A tiny client of the Hindsight HTTP API (java.net.http). Thread-safe. */
final class HttpApi {
    private final String base;
    private final HttpClient http;

    private final @Nullable String token;

    HttpApi(String baseUrl) {
        this(baseUrl, null, null);
    }

    /**
     * A client sending {@code token} (if not null) as {@code Authorization: Bearer} with every request, trusting
     * {@code ssl}'s authorities for {@code https://} (the JVM's when null).
     */
    HttpApi(String baseUrl, @Nullable String token, @Nullable SSLContext ssl) {
        this.token = token;
        // Redirects followed: a Kafka node answers an append for a partition another node owns with a 307 there.
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    record Response(int status, String body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** {@code /api/aggregates/<id>/events}, the id encoded as one path segment. */
    static String aggregatePath(String aggregateId) {
        return "/api/aggregates/"
                + URLEncoder.encode(aggregateId, StandardCharsets.UTF_8).replace("+", "%20") + "/events";
    }

    /** {@code ?k=v&...} of the non-null entries, encoded; empty if none. */
    static String query(Map<String, ?> params) {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + URLEncoder.encode(v.toString(), StandardCharsets.UTF_8));
            }
        });
        return q.toString();
    }

    Response get(String path) {
        return send(request(path).GET().build());
    }

    Response post(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder r = request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(r::header);
        return send(r.build());
    }

    Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    /** Opens a streaming GET (for Server-Sent Events); the caller reads and closes the body. */
    HttpResponse<InputStream> stream(String path, Map<String, String> headers) {
        HttpRequest.Builder r =
                request(path).header("Accept", "text/event-stream").GET();
        headers.forEach(r::header);
        try {
            return http.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path));
        return token == null ? r : r.header("Authorization", "Bearer " + token);
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private CliException unreachable(IOException e) {
        String why = e instanceof ConnectException
                ? "connection refused (is `hindsight serve` running?)"
                : e instanceof javax.net.ssl.SSLHandshakeException
                        ? "TLS handshake failed (" + e.getMessage() + "); for a self-signed server certificate pass it"
                                + " with --ca-cert"
                        : String.valueOf(e.getMessage());
        return new CliException("cannot reach " + base + ": " + why);
    }
}
