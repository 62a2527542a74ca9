package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.testkit.TestCertificates;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tls(cert, key)}: HTTPS only, with certificates made at test time (RSA as PKCS#8 and PKCS#1, EC). */
class TlsTest {
    @TempDir
    static Path dir;

    private static TestCertificates.Pems rsa;
    private static TestCertificates.Pems ec;

    @BeforeAll
    static void certificates() throws Exception {
        rsa = TestCertificates.selfSigned(dir.resolve("rsa"), "RSA");
        ec = TestCertificates.selfSigned(dir.resolve("ec"), "EC");
    }

    private static HindsightServer serve(Path cert, Path key) {
        return HindsightServer.builder(dev.hindsight.core.EventStore.of(new InMemoryEventLog()))
                .host("127.0.0.1")
                .port(0)
                .tls(cert, key)
                .build()
                .start();
    }

    private static HttpResponse<String> send(HttpClient client, URI uri, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        return client.send(
                body == null
                        ? r.GET().build()
                        : r.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void servesHttpsOnly(TestCertificates.Pems pems, Path key) throws Exception {
        try (HindsightServer server = serve(pems.cert(), key);
                HttpClient trusting = HttpClient.newBuilder()
                        .sslContext(Tls.trusting(pems.cert()))
                        .build();
                HttpClient plain = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .build()) {
            assertThat(server.tls()).isTrue();
            String https = "https://localhost:" + server.port();
            assertThat(send(trusting, URI.create(https + "/health"), null).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> appended = send(
                    trusting,
                    URI.create(https + "/api/aggregates/a-1/events"),
                    "{\"event_type\":\"Noted\",\"event_data\":{}}");
            assertThat(appended.statusCode()).as(appended.body()).isEqualTo(201);
            // By IP address too (the certificate names 127.0.0.1).
            assertThat(send(trusting, URI.create("https://127.0.0.1:" + server.port() + "/health"), null)
                            .statusCode())
                    .isEqualTo(200);

            // Plain HTTP on the same port gets no answer of the API; the JVM's default trust refuses the certificate.
            assertThat(plainHttpStatusLine(server.port())).doesNotContain(" 200 ");
            assertThatThrownBy(() -> send(plain, URI.create(https + "/health"), null))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    /** The first line a plain-HTTP request gets from the port, or "" if none comes within 3 s. */
    private static String plainHttpStatusLine(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(3000);
            s.getOutputStream()
                    .write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[64];
            int n = s.getInputStream().read(buf);
            return n <= 0
                    ? ""
                    : new String(buf, 0, n, StandardCharsets.ISO_8859_1)
                            .lines()
                            .findFirst()
                            .orElse("");
        } catch (SocketTimeoutException | SocketException e) {
            return "";
        }
    }

    @Test
    void rsaKey_pkcs8_servesHttpsOnly() throws Exception {
        servesHttpsOnly(rsa, rsa.key());
    }

    @Test
    void rsaKey_pkcs1_servesHttpsOnly() throws Exception {
        assertThat(Files.readString(rsa.pkcs1Key())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        servesHttpsOnly(rsa, rsa.pkcs1Key());
    }

    @Test
    void ecKey_servesHttpsOnly() throws Exception {
        servesHttpsOnly(ec, ec.key());
    }

    @Test
    void ecKey_sec1_servesHttpsOnly() throws Exception {
        assertThat(Files.readString(ec.pkcs1Key())).startsWith("-----BEGIN EC PRIVATE KEY-----");
        servesHttpsOnly(ec, ec.pkcs1Key());
    }

    @Test
    void badFiles_failTheBuildWithAClearMessage() throws IOException {
        var builder = HindsightServer.builder(dev.hindsight.core.EventStore.of(new InMemoryEventLog()));
        assertThatThrownBy(() -> builder.tls(rsa.cert(), ec.key()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong");
        assertThatThrownBy(() -> builder.tls(dir.resolve("missing.pem"), rsa.key()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read");
        assertThatThrownBy(() -> builder.tls(rsa.key(), rsa.key()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no '-----BEGIN CERTIFICATE-----'");
        assertThatThrownBy(() -> builder.tls(rsa.cert(), rsa.cert()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no private key");
        Path encrypted = Files.writeString(
                dir.resolve("enc.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> builder.tls(rsa.cert(), encrypted)).hasMessageContaining("encrypted");
    }
}
