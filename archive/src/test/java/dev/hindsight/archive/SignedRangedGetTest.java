package dev.hindsight.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Ranged reads of an S3 store at an endpoint go through {@link SignedRangedGet} (SigV4 over HttpURLConnection, not the
 * SDK's pipeline): signed as AWS's own example says, accepted by a real s3proxy that checks signatures, and any answer
 * that is not exactly the asked range is refused, never returned as data.
 */
class SignedRangedGetTest {
    @TempDir
    static Path tmp;

    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension("bucket");

    /** AWS's documented SigV4 example "GET Object" (S3 API reference, "Signature calculations ... Examples"). */
    @Test
    void sign_awsDocumentedGetObjectExample_givesItsSignature() throws Exception {
        var get = new SignedRangedGet(
                URI.create("https://examplebucket.s3.amazonaws.com"),
                "examplebucket",
                "us-east-1",
                StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
                Clock.fixed(Instant.parse("2013-05-24T00:00:00Z"), ZoneOffset.UTC));
        String[][] headers = get.sign("/test.txt", "bytes=0-9");
        assertThat(headers[headers.length - 1][1])
                .isEqualTo("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
        assertThat(headers[0]).containsExactly("x-amz-date", "20130524T000000Z");
    }

    @Test
    void encodePath_keepsUnreservedAndSlashes_percentEncodesTheRestOnce() {
        assertThat(SignedRangedGet.encodePath("p/segments/00000000000000000000.zlog"))
                .isEqualTo("p/segments/00000000000000000000.zlog");
        assertThat(SignedRangedGet.encodePath("a b+c%/é~")).isEqualTo("a%20b%2Bc%25/%C3%A9~");
    }

    @Test
    void supports_onlyHostAndPortEndpoints() {
        assertThat(SignedRangedGet.supports(URI.create("http://127.0.0.1:9000")))
                .isTrue();
        assertThat(SignedRangedGet.supports(URI.create("https://minio.example/")))
                .isTrue();
        assertThat(SignedRangedGet.supports(URI.create("http://host:9000/base")))
                .isFalse();
        assertThat(SignedRangedGet.supports(URI.create("http://u:p@host:9000"))).isFalse();
        assertThat(SignedRangedGet.supports(URI.create("ftp://host"))).isFalse();
    }

    @Test
    void s3Store_rangedReads_goSigned_exactBytes_noFallback() throws Exception {
        byte[] data = random(2 * 1024 * 1024 + 5, 1);
        try (S3ObjectStore store = S3.store("signed")) {
            store.put("segments/a b.zlog", Files.write(tmp.resolve("a.bin"), data));
            assertThat(store.get("segments/a b.zlog", 7, 13_000)).isEqualTo(Arrays.copyOfRange(data, 7, 13_007));
            ByteBuffer into = ByteBuffer.allocateDirect(data.length - 100);
            store.get("segments/a b.zlog", 100, into);
            byte[] got = new byte[data.length - 100];
            into.flip().get(got);
            assertThat(got).isEqualTo(Arrays.copyOfRange(data, 100, data.length));
            assertThat(store.signedGets()).isEqualTo(2);
            assertThat(store.signedGetFallbacks()).isZero();

            // a range past the end: the signed read refuses the short answer, the SDK's read fails as before
            assertThatThrownBy(() -> store.get("segments/a b.zlog", data.length - 10, 20))
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> store.get("missing", 0, 20)).isInstanceOf(IOException.class);
            assertThat(store.signedGets()).isEqualTo(2);
            assertThat(store.signedGetFallbacks()).isEqualTo(2);
        }
    }

    @Test
    void s3Store_withSignedGetsOff_readsThroughTheSdk() throws Exception {
        byte[] data = random(50_000, 2);
        S3.store("off"); // sets the credentials' system properties
        try (S3ObjectStore store = S3ObjectStore.open("bucket", "off", URI.create(S3.endpoint()), false)) {
            store.put("x", data);
            assertThat(store.get("x", 10, 100)).isEqualTo(Arrays.copyOfRange(data, 10, 110));
            assertThat(store.signedGets()).isZero();
        }
    }

    @Test
    void signedGet_sessionCredentials_signTheirToken_andAWrongSecretIsRefusedByTheServer() throws Exception {
        byte[] data = random(40_000, 3);
        try (S3ObjectStore store = S3.store("creds")) {
            store.put("obj", data);
        }
        URI endpoint = URI.create(S3.endpoint());
        var session = new SignedRangedGet(
                endpoint,
                "bucket",
                "us-east-1",
                StaticCredentialsProvider.create(AwsSessionCredentials.create(
                        S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY, "a-session-token")),
                Clock.systemUTC());
        // s3proxy does not take session tokens (HTTP 501), so only the signed headers are checked here
        String[][] h = session.sign("/bucket/creds/obj", "bytes=0-1");
        assertThat(h[2]).containsExactly("x-amz-security-token", "a-session-token");
        assertThat(h[3][1]).contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token");

        var wrong = new SignedRangedGet(
                endpoint,
                "bucket",
                "us-east-1",
                StaticCredentialsProvider.create(AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, "not-the-secret")),
                Clock.systemUTC());
        assertThatThrownBy(() -> wrong.get("creds/obj", 0, 10))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("HTTP 403");
    }

    /**
     * A server that ignores the range (200 and the whole object) or answers another range: the signed read fails, and
     * so does the store's read through the SDK; no bytes are returned. (A body shorter than the range is s3proxy's
     * answer to a range past the end, above.)
     */
    @Test
    void wrongAnswers_areNeverReturnedAsTheRange() throws Exception {
        byte[] object = random(100_000, 4);
        AtomicInteger requests = new AtomicInteger();
        assertRefused((ex, range) -> respond(ex, 200, null, object, object.length), requests, "HTTP 200");
        assertRefused(
                (ex, range) ->
                        respond(ex, 206, "bytes 11-110/" + object.length, Arrays.copyOfRange(object, 11, 111), 100),
                requests,
                "answered with range");
    }

    private static void assertRefused(
            BiConsumer<com.sun.net.httpserver.HttpExchange, String> handler, AtomicInteger requests, String message)
            throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            handler.accept(ex, ex.getRequestHeaders().getFirst("Range"));
        });
        server.start();
        try {
            URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            var get = new SignedRangedGet(
                    endpoint,
                    "bucket",
                    "us-east-1",
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")),
                    Clock.systemUTC());
            assertThatThrownBy(() -> get.get("k", 10, 100))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(message);
            assertThatThrownBy(() -> get.get("k", 10, ByteBuffer.allocate(100))).isInstanceOf(IOException.class);
            S3.store("any"); // the credentials' system properties
            try (ObjectStore store = S3ObjectStore.open("bucket", "", endpoint, true)) {
                assertThatThrownBy(() -> store.get("k", 10, 100)).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> store.get("k", 10, ByteBuffer.allocate(100)))
                        .isInstanceOf(IOException.class);
            }
        } finally {
            server.stop(0);
        }
    }

    private static void respond(
            com.sun.net.httpserver.HttpExchange ex, int status, String contentRange, byte[] body, long announced) {
        try {
            if (contentRange != null) {
                ex.getResponseHeaders().set("Content-Range", contentRange);
            }
            ex.sendResponseHeaders(status, announced);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            // a short body: the server gives up on the exchange, the client sees the stream end early
        } finally {
            ex.close();
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
