package dev.hindsight.archive;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Ranged GETs of objects on an S3-compatible server at a configured endpoint (path-style), signed with AWS Signature
 * Version 4 and sent over {@link HttpURLConnection} (the same HTTP stack as the SDK's url-connection client), without
 * the SDK's request pipeline (endpoint rules, interceptors, retry and metrics machinery): in a young JVM that pipeline
 * costs a cold read's requests milliseconds of CPU each before they leave (docs/benchmarks.md, session 20 (h58)).
 *
 * <p>A response is accepted only if it is {@code 206 Partial Content} for exactly the asked range ({@code Content-Range}
 * and {@code Content-Length}) and has exactly the asked bytes; anything else throws, and {@link S3ObjectStore} then
 * makes the same request through the SDK client, which retries and reports failures as before. What is read is no more
 * trusted than before: archived blocks are CRC-checked and whole copies MD5-checked by their readers. Thread-safe.
 */
final class SignedRangedGet {
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private final String base;
    private final String host;
    private final String bucket;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final Clock clock;
    /** The signing key of the last request's day and credentials (derived once a day, not per request). */
    private volatile @Nullable SigningKey key;

    private record SigningKey(String day, String accessKey, String secretKey, byte[] key) {}

    /** The bytes of a ranged response, handed over as a stream of exactly the asked length. */
    interface Body {
        void read(InputStream in, int length) throws IOException;
    }

    /**
     * @param endpoint {@code http(s)://HOST[:PORT]} with no path
     * @throws IllegalArgumentException if {@code endpoint} has a path, query or user info ({@link #supports})
     */
    SignedRangedGet(URI endpoint, String bucket, String region, AwsCredentialsProvider credentials, Clock clock) {
        if (!supports(endpoint)) {
            throw new IllegalArgumentException(
                    "signed ranged GETs need an endpoint http(s)://HOST[:PORT], not " + endpoint);
        }
        String scheme = endpoint.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = endpoint.getPort();
        boolean defaultPort =
                port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        // as HttpURLConnection writes the Host header: the port only when it is not the scheme's default
        this.host = endpoint.getHost() + (defaultPort ? "" : ":" + port);
        this.base = scheme + "://" + endpoint.getRawAuthority();
        this.bucket = bucket;
        this.region = region;
        this.credentials = credentials;
        this.clock = clock;
    }

    /** Whether {@code endpoint} is one this client can address: http or https, a host, no path, query or user. */
    static boolean supports(URI endpoint) {
        String s = endpoint.getScheme();
        String path = endpoint.getRawPath();
        return s != null
                && (s.equalsIgnoreCase("http") || s.equalsIgnoreCase("https"))
                && endpoint.getHost() != null
                && endpoint.getRawUserInfo() == null
                && endpoint.getRawQuery() == null
                && endpoint.getRawFragment() == null
                && (path == null || path.isEmpty() || path.equals("/"));
    }

    /** Reads {@code length > 0} bytes of object {@code objectKey} at {@code offset} and hands them to {@code body}. */
    void get(String objectKey, long offset, int length, Body body) throws IOException {
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        String path = "/" + encodePath(bucket) + "/" + encodePath(objectKey);
        URL url = URI.create(base + path).toURL();
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        c.setConnectTimeout(2_000);
        c.setReadTimeout(30_000);
        c.setUseCaches(false);
        c.setInstanceFollowRedirects(false);
        for (String[] h : sign(path, range)) {
            c.setRequestProperty(h[0], h[1]);
        }
        c.setRequestProperty("Range", range);
        int status = c.getResponseCode();
        if (status != HttpURLConnection.HTTP_PARTIAL) {
            drain(c);
            throw new IOException("ranged GET of " + objectKey + " (" + range + "): HTTP " + status);
        }
        String contentRange = c.getHeaderField("Content-Range");
        String expected = "bytes " + offset + "-" + (offset + length - 1) + "/";
        if (contentRange == null || !contentRange.startsWith(expected) || c.getContentLengthLong() != length) {
            drain(c);
            throw new IOException("ranged GET of " + objectKey + " (" + range + "): answered with range " + contentRange
                    + ", length " + c.getContentLengthLong());
        }
        try (InputStream in = c.getInputStream()) {
            body.read(in, length);
            if (in.read() >= 0) {
                throw new IOException("ranged GET of " + objectKey + " (" + range + "): more bytes than asked for");
            }
        }
    }

    /** Reads exactly {@code length} bytes into a new array. */
    byte[] get(String objectKey, long offset, int length) throws IOException {
        byte[] out = new byte[length];
        get(objectKey, offset, length, (in, n) -> {
            int got = in.readNBytes(out, 0, n);
            if (got != n) {
                throw new IOException("ranged GET of " + objectKey + ": " + got + " of " + n + " bytes");
            }
        });
        return out;
    }

    /** Reads exactly {@code into.remaining()} bytes into {@code into} through a buffer of at most 64 KiB. */
    void get(String objectKey, long offset, ByteBuffer into) throws IOException {
        int length = into.remaining();
        get(objectKey, offset, length, (in, n) -> {
            byte[] buf = new byte[Math.min(n, 64 * 1024)];
            while (into.hasRemaining()) {
                int r = in.read(buf, 0, Math.min(buf.length, into.remaining()));
                if (r < 0) {
                    throw new IOException(
                            "ranged GET of " + objectKey + ": " + (n - into.remaining()) + " of " + n + " bytes");
                }
                into.put(buf, 0, r);
            }
        });
    }

    /** Reads an error response to its end, so that the connection can be kept alive, and lets it go. */
    private static void drain(HttpURLConnection c) {
        try (InputStream err = c.getErrorStream()) {
            if (err != null) {
                err.readNBytes(64 * 1024);
            }
        } catch (IOException ignored) {
            // the connection is closed instead
        }
    }

    /**
     * The headers that sign a GET of {@code path} with {@code range} (besides {@code Host}, which the connection sets
     * to the same value): {@code x-amz-date}, {@code x-amz-content-sha256}, maybe {@code x-amz-security-token}, and
     * {@code Authorization}.
     */
    String[][] sign(String path, String range) throws IOException {
        AwsCredentials cred = credentials.resolveCredentials();
        String token = cred instanceof AwsSessionCredentials s ? s.sessionToken() : null;
        String amzDate = AMZ_DATE.format(clock.instant());
        String day = amzDate.substring(0, 8);
        String scope = day + "/" + region + "/s3/aws4_request";
        StringBuilder canonical = new StringBuilder(256)
                .append("GET\n")
                .append(path)
                .append("\n\n")
                .append("host:")
                .append(host)
                .append('\n')
                .append("range:")
                .append(range)
                .append('\n')
                .append("x-amz-content-sha256:")
                .append(EMPTY_SHA256)
                .append('\n')
                .append("x-amz-date:")
                .append(amzDate)
                .append('\n');
        String signed = "host;range;x-amz-content-sha256;x-amz-date";
        if (token != null) {
            canonical.append("x-amz-security-token:").append(token).append('\n');
            signed += ";x-amz-security-token";
        }
        canonical.append('\n').append(signed).append('\n').append(EMPTY_SHA256);
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + HEX.formatHex(sha256(canonical));
        String signature = HEX.formatHex(hmac(signingKey(day, cred), toSign));
        String auth = "AWS4-HMAC-SHA256 Credential=" + cred.accessKeyId() + "/" + scope + ", SignedHeaders=" + signed
                + ", Signature=" + signature;
        return token == null
                ? new String[][] {
                    {"x-amz-date", amzDate}, {"x-amz-content-sha256", EMPTY_SHA256}, {"Authorization", auth}
                }
                : new String[][] {
                    {"x-amz-date", amzDate},
                    {"x-amz-content-sha256", EMPTY_SHA256},
                    {"x-amz-security-token", token},
                    {"Authorization", auth}
                };
    }

    private byte[] signingKey(String day, AwsCredentials cred) throws IOException {
        SigningKey k = key;
        if (k != null
                && k.day().equals(day)
                && k.accessKey().equals(cred.accessKeyId())
                && k.secretKey().equals(cred.secretAccessKey())) {
            return k.key();
        }
        byte[] date = hmac(("AWS4" + cred.secretAccessKey()).getBytes(StandardCharsets.UTF_8), day);
        byte[] signing = hmac(hmac(hmac(date, region), "s3"), "aws4_request");
        key = new SigningKey(day, cred.accessKeyId(), cred.secretAccessKey(), signing);
        return signing;
    }

    private static byte[] hmac(byte[] key, String data) throws IOException {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IOException("HMAC-SHA256 is not available", e);
        }
    }

    private static byte[] sha256(CharSequence s) throws IOException {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IOException("SHA-256 is not available", e);
        }
    }

    /**
     * S3's URI encoding of a path: every byte of the UTF-8 form except the unreserved characters
     * ({@code A-Z a-z 0-9 - . _ ~}) and {@code /} as {@code %XX} (upper-case hex), encoded once.
     */
    static String encodePath(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char ch = (char) (b & 0xff);
            if ((ch >= 'A' && ch <= 'Z')
                    || (ch >= 'a' && ch <= 'z')
                    || (ch >= '0' && ch <= '9')
                    || ch == '-'
                    || ch == '.'
                    || ch == '_'
                    || ch == '~'
                    || ch == '/') {
                out.append(ch);
            } else {
                out.append('%').append(HEX.withUpperCase().toHexDigits(b));
            }
        }
        return out.toString();
    }
}
