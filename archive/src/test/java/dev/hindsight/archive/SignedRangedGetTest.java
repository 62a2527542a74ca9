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
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

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

    /**
     * The hand-written signature is the SDK's: for random endpoints, keys, ranges, times and credentials (with and
     * without a session token), {@link SignedRangedGet#sign} gives the headers that the SDK's own SigV4 signer
     * ({@link AwsV4HttpSigner}, called as the SDK's S3 client calls it) gives the same request. The SDK's signer is the
     * oracle here, not the implementation: per request it costs 3-4 times the CPU (docs/benchmarks.md, session 21
     * (h64)).
     */
    @Test
    void sign_randomRequests_signedAsTheSdksSignerSignsThem() throws Exception {
        Random r = new Random(21);
        String[] endpoints = {"http://127.0.0.1:9000", "https://minio.example", "http://s3.local", "https://h:8443"};
        for (int i = 0; i < 300; i++) {
            URI endpoint = URI.create(endpoints[r.nextInt(endpoints.length)]);
            String bucket = "b" + r.nextInt(1000);
            String key = randomKey(r);
            String region = r.nextBoolean() ? "us-east-1" : "eu-central-" + r.nextInt(3);
            AwsCredentials cred = r.nextBoolean()
                    ? AwsBasicCredentials.create("AK" + r.nextInt(1_000_000), "secret/" + r.nextLong())
                    : AwsSessionCredentials.create(
                            "AK" + r.nextInt(1_000_000), "s+" + r.nextLong(), "tok" + r.nextLong());
            Clock clock = Clock.fixed(Instant.ofEpochSecond(1_600_000_000L + r.nextInt(200_000_000)), ZoneOffset.UTC);
            long offset = r.nextLong(1L << 40);
            String range = "bytes=" + offset + "-" + (offset + r.nextInt(1 << 22));
            String path = "/" + SignedRangedGet.encodePath(bucket) + "/" + SignedRangedGet.encodePath(key);

            String[][] ours = new SignedRangedGet(
                            endpoint, bucket, region, StaticCredentialsProvider.create(cred), clock)
                    .sign(path, range);

            SdkHttpRequest theirs = sdkSign(endpoint, path, range, region, cred, clock);
            Map<String, String> expected = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            theirs.forEachHeader((name, values) -> expected.put(name, String.join(",", values)));
            Map<String, String> got = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String[] h : ours) {
                got.put(h[0], h[1]);
            }
            got.put("Range", range);
            // Host: HttpURLConnection writes it; the SDK writes the same (the port only when not the scheme's default)
            got.put(
                    "Host",
                    endpoint.getPort() == -1 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort());
            assertThat(got).as("request %d: %s %s %s", i, endpoint, path, range).isEqualTo(expected);
        }
    }

    private static String randomKey(Random r) {
        String alphabet = "abcXYZ019-._~/ +%&=?#é€";
        StringBuilder b = new StringBuilder("k");
        for (int n = r.nextInt(30); n > 0; n--) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** The SDK's SigV4 signer with the S3 client's settings for a GET without a body. */
    private static SdkHttpRequest sdkSign(
            URI endpoint, String path, String range, String region, AwsCredentials cred, Clock clock) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.GET)
                .uri(endpoint)
                .encodedPath(path)
                .putHeader("Range", range)
                .putHeader("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                .build();
        return AwsV4HttpSigner.create()
                .sign(s -> s.identity(cred)
                        .request(request)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true)
                        .putProperty(HttpSigner.SIGNING_CLOCK, clock))
                .request();
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
