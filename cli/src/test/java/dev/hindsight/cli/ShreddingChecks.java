package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/** Helpers of the crypto-shredding tests: a master key file, byte greps over files, order commands over HTTP. */
final class ShreddingChecks {
    private ShreddingChecks() {}

    /** A fresh master key file (base64 of 32 bytes) in {@code dir}. */
    static Path masterKeyFile(Path dir) throws IOException {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return Files.writeString(dir.resolve("master.key"), Base64.getEncoder().encodeToString(key) + "\n");
    }

    /** Occurrences of {@code needle}'s UTF-8 bytes in every regular file under {@code root}, as "file: count". */
    static List<String> grep(Path root, String needle) throws IOException {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        List<String> hits = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> all = Files.walk(root)) {
            files = all.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            int count = count(f, n);
            if (count > 0) {
                hits.add(root.relativize(f) + ": " + count);
            }
        }
        return hits;
    }

    /** Bytes {@link #grep} reads at a time. */
    static final int CHUNK = 1 << 20;

    /**
     * Occurrences of {@code needle} in every byte of the file, read {@link #CHUNK} bytes at a time: the file engine's
     * active segment is preallocated (sparse) to 256 MiB, and reading it whole into one array for each grep cost about
     * a second.
     */
    private static int count(Path file, byte[] needle) throws IOException {
        byte[] buf = new byte[Math.max(CHUNK, 2 * needle.length)];
        int c = 0;
        int kept = 0; // the previous chunk's last needle.length - 1 bytes: an occurrence may span two chunks
        try (InputStream in = Files.newInputStream(file)) {
            int read;
            while ((read = in.readNBytes(buf, kept, buf.length - kept)) > 0) {
                int filled = kept + read;
                c += count(buf, filled, needle);
                kept = Math.min(Math.max(0, needle.length - 1), filled);
                System.arraycopy(buf, filled - kept, buf, 0, kept);
            }
        }
        return c;
    }

    static int count(byte[] hay, byte[] needle) {
        return count(hay, hay.length, needle);
    }

    /** Occurrences of {@code needle} in the first {@code length} bytes of {@code hay}. */
    private static int count(byte[] hay, int length, byte[] needle) {
        int c = 0;
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            c++;
        }
        return c;
    }

    /** Sends a request and returns the response; {@code body} null for none. */
    static HttpResponse<String> send(String method, String uri, String body, String... headers) throws IOException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri))
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            if (headers.length > 0) {
                b.headers(headers);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** A JSON request that must answer 2xx; its body. */
    static JsonNode ok(String method, String uri, String body, String... headers) throws IOException {
        HttpResponse<String> r = send(method, uri, body, headers);
        assertThat(r.statusCode()).as(method + " " + uri + ": " + r.body()).isBetween(200, 299);
        return Json.mapper().readTree(r.body());
    }

    /** Places an order for {@code user} (acting as that user: X-User-Id); its id. */
    static String createOrder(String base, String user) throws IOException {
        return ok(
                        "POST",
                        base + "/api/orders",
                        "{\"user_id\":\"" + user
                                + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\"book\",\"quantity\":2,"
                                + "\"unit_price\":19.90}]}",
                        "X-User-Id",
                        user)
                .get("order_id")
                .asText();
    }
}
