package dev.hindsight.client.internal;

import dev.hindsight.core.StoreUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Requests to one server over the JDK {@link HttpClient} (HTTP/1.1, persistent connections). Transport failures become
 * {@link StoreUnavailableException}: the server may be back on the next try. Thread-safe.
 */
public final class Http {
    private final HttpClient client;
    private final URI base;
    private final Duration timeout;

    /** A response: status and body. */
    public record Response(int status, byte[] body) {}

    public Http(URI base, Duration connectTimeout, Duration requestTimeout) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.timeout = requestTimeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                // a multi-node Kafka store answers an append on a node that does not own the aggregate with a 307 to
                // the owner; 307 keeps method and body
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    public URI base() {
        return base;
    }

    public HttpClient client() {
        return client;
    }

    /** {@code GET base + pathAndQuery}. */
    public Response get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
    }

    /** {@code POST} of a JSON body, with one optional header. */
    public Response postJson(String path, byte[] body, String header, String value) {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .header(header, value)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    public URI uri(String pathAndQuery) {
        return URI.create(base + pathAndQuery);
    }

    private Response send(HttpRequest.Builder request) {
        HttpRequest r = request.timeout(timeout).build();
        try {
            HttpResponse<byte[]> res = client.send(r, HttpResponse.BodyHandlers.ofByteArray());
            return new Response(res.statusCode(), res.body());
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "cannot reach the Hindsight server at " + base + " (" + r.method() + " "
                            + r.uri().getPath() + "): " + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while calling the Hindsight server at " + base, e);
        }
    }

    /** Percent-encodes one path segment or query value. */
    public static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
