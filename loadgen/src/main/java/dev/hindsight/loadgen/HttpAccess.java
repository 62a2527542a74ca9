package dev.hindsight.loadgen;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * How the load generator reaches a server: an API token sent as {@code Authorization: Bearer}, and the TLS context
 * for {@code https://} URLs (e.g. one trusting a self-signed certificate). Immutable.
 *
 * @param token the API token, or {@code null} for a server without authentication
 * @param ssl the TLS context, or {@code null} for the JVM's default trust
 */
public record HttpAccess(@Nullable String token, @Nullable SSLContext ssl) {
    /** No token, default trust. */
    public static final HttpAccess NONE = new HttpAccess(null, null);

    /** A new HTTP/1.1 client with this TLS context. */
    HttpClient client() {
        HttpClient.Builder b =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        return b.build();
    }

    /** Adds the token, if any, to {@code request}. */
    HttpRequest.Builder authorize(HttpRequest.Builder request) {
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    @Override
    public String toString() {
        return "HttpAccess[token=" + (token == null ? "none" : "(hidden)") + ", tls=" + (ssl != null) + "]";
    }
}
