package dev.hindsight.archive;

import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 bucket (or an S3-compatible server at a configured endpoint, path-style) under a key prefix. Credentials come
 * from the SDK's default chain ({@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}, profiles, instance roles).
 * Request checksums are sent only where S3 requires them, which S3-compatible servers accept. At a configured endpoint,
 * ranged reads go through {@link SignedRangedGet} (SigV4 over {@code HttpURLConnection}, without the SDK's request
 * pipeline) and, if that fails, once more through the SDK client; every other request goes through the SDK.
 * Thread-safe.
 */
public final class S3ObjectStore implements ObjectStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);

    /**
     * Whether ranged reads at a configured endpoint go through {@link SignedRangedGet} (switch for A/B runs:
     * {@code -Dhindsight.archive.s3SignedGets=false} sends them through the SDK client, as before session 20).
     */
    static final boolean SIGNED_GETS =
            Boolean.parseBoolean(System.getProperty("hindsight.archive.s3SignedGets", "true"));

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final @Nullable URI endpoint;
    /** Ranged reads without the SDK's pipeline, for a configured endpoint; null: every request through the SDK. */
    private final @Nullable SignedRangedGet signed;

    private final AtomicLong signedGets = new AtomicLong();
    private final AtomicLong signedFallbacks = new AtomicLong();

    private S3ObjectStore(
            S3Client s3, String bucket, String prefix, @Nullable URI endpoint, @Nullable SignedRangedGet signed) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        this.endpoint = endpoint;
        this.signed = signed;
    }

    /**
     * A store for {@code bucket} and {@code prefix}.
     *
     * @param endpoint an S3-compatible server (path-style addressing), or null for AWS S3 (region from the
     *     environment, else us-east-1)
     */
    public static S3ObjectStore open(String bucket, String prefix, @Nullable URI endpoint) {
        return open(bucket, prefix, endpoint, SIGNED_GETS);
    }

    /**
     * The same, choosing whether ranged reads go through {@link SignedRangedGet} (used only with an {@code endpoint}
     * of the form {@code http(s)://HOST[:PORT]}; AWS S3 itself is always read through the SDK).
     */
    static S3ObjectStore open(String bucket, String prefix, @Nullable URI endpoint, boolean signedGets) {
        AwsCredentialsProvider credentials =
                DefaultCredentialsProvider.builder().build();
        var b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(credentials)
                .requestChecksumCalculation(
                        software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(
                        software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED);
        String env = System.getenv("AWS_REGION");
        String region = env == null || env.isBlank() ? "us-east-1" : env;
        b.region(Region.of(region));
        SignedRangedGet signed = null;
        if (endpoint != null) {
            b.endpointOverride(endpoint)
                    .serviceConfiguration(S3Configuration.builder()
                            .pathStyleAccessEnabled(true)
                            .build());
            if (signedGets && SignedRangedGet.supports(endpoint)) {
                signed = new SignedRangedGet(endpoint, bucket, region, credentials, Clock.systemUTC());
            }
        }
        return new S3ObjectStore(b.build(), bucket, prefix, endpoint, signed);
    }

    /** Ranged reads served by {@link SignedRangedGet} since the store opened (tests, diagnostics). */
    public long signedGets() {
        return signedGets.get();
    }

    /** Ranged reads that {@link SignedRangedGet} failed and the SDK client made again (tests, diagnostics). */
    public long signedGetFallbacks() {
        return signedFallbacks.get();
    }

    private String key(String k) {
        return prefix + k;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        call(() -> s3.putObject(r -> r.bucket(bucket).key(key(key)), RequestBody.fromFile(file)));
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        call(() -> s3.putObject(r -> r.bucket(bucket).key(key(key)), RequestBody.fromBytes(bytes)));
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        if (length == 0) {
            return new byte[0];
        }
        if (signed != null) {
            try {
                byte[] b = signed.get(key(key), offset, length);
                signedGets.incrementAndGet();
                return b;
            } catch (IOException | RuntimeException e) {
                fellBack(key, e);
            }
        }
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        // Read straight into an array of the asked size: the SDK's byte transformer (ResponseTransformer.toBytes())
        // grows a buffer from 32 bytes, 4 KiB at a time, and copies it once more at the end, about three times the
        // bytes in garbage per request (docs/benchmarks.md, session 18 (h51)).
        byte[] out = new byte[length];
        int got;
        try (ResponseInputStream<GetObjectResponse> in =
                call(() -> s3.getObject(g -> g.bucket(bucket).key(key(key)).range(range)))) {
            checkRange(key, in.response(), offset, length);
            got = in.readNBytes(out, 0, length);
            if (got == length && in.read() >= 0) {
                got = -1; // more than asked for
            }
        } catch (SdkException e) {
            throw new IOException(describe() + key + ": " + e.getMessage(), e);
        }
        if (got != length) {
            throw new IOException(describe() + key + ": asked for " + length + " bytes at " + offset + ", got "
                    + (got < 0 ? "more" : got));
        }
        return out;
    }

    /**
     * Streams the range into {@code into} through a small buffer (at most 64 KiB per call), so that a 4 MiB chunk of a
     * local copy or a coalesced span allocates no array of its size.
     */
    @Override
    public void get(String key, long offset, ByteBuffer into) throws IOException {
        int length = into.remaining();
        if (length == 0) {
            return;
        }
        if (signed != null) {
            int from = into.position();
            try {
                signed.get(key(key), offset, into);
                signedGets.incrementAndGet();
                return;
            } catch (IOException | RuntimeException e) {
                into.position(from);
                fellBack(key, e);
            }
        }
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        byte[] buf = new byte[Math.min(length, 64 * 1024)];
        boolean more = false;
        try (ResponseInputStream<GetObjectResponse> in =
                call(() -> s3.getObject(g -> g.bucket(bucket).key(key(key)).range(range)))) {
            checkRange(key, in.response(), offset, length);
            while (into.hasRemaining()) {
                int n = in.read(buf, 0, Math.min(buf.length, into.remaining()));
                if (n < 0) {
                    break;
                }
                into.put(buf, 0, n);
            }
            more = !into.hasRemaining() && in.read() >= 0;
        } catch (SdkException e) {
            throw new IOException(describe() + key + ": " + e.getMessage(), e);
        }
        if (into.hasRemaining() || more) {
            throw new IOException(describe() + key + ": asked for " + length + " bytes at " + offset + ", got "
                    + (more ? "more" : length - into.remaining()));
        }
    }

    /**
     * Fails unless the response is for the asked range: a server that ignores or shifts a range must not have its bytes
     * taken for the range's (a shorter or longer body is caught by the callers' length checks).
     */
    private void checkRange(String key, GetObjectResponse r, long offset, int length) throws IOException {
        String expected = "bytes " + offset + "-" + (offset + length - 1) + "/";
        if (r.contentRange() == null || !r.contentRange().startsWith(expected)) {
            throw new IOException(describe() + key + ": asked for " + length + " bytes at " + offset
                    + ", answered with range " + r.contentRange());
        }
    }

    /**
     * Notes a signed ranged read that failed; the caller makes it again through the SDK client, which retries transient
     * failures and reports the rest as before.
     */
    private void fellBack(String key, Exception e) {
        signedFallbacks.incrementAndGet();
        LOG.debug("signed ranged GET of {} failed; asking through the SDK client", key, e);
    }

    @Override
    public byte @Nullable [] get(String key) throws IOException {
        try {
            return call(() -> s3.getObject(g -> g.bucket(bucket).key(key(key)), ResponseTransformer.toBytes()))
                    .asByteArrayUnsafe();
        } catch (NotFound e) {
            return null;
        }
    }

    @Override
    public @Nullable ObjectInfo head(String key) throws IOException {
        try {
            HeadObjectResponse h =
                    call(() -> s3.headObject(r -> r.bucket(bucket).key(key(key))));
            String etag = h.eTag() == null ? "" : h.eTag().replace("\"", "").toLowerCase(Locale.ROOT);
            return new ObjectInfo(h.contentLength(), etag);
        } catch (NotFound e) {
            return null;
        }
    }

    @Override
    public List<String> list(String under) throws IOException {
        List<String> out = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListObjectsV2Response r = call(() -> s3.listObjectsV2(l -> {
                l.bucket(bucket).prefix(key(under));
                if (t != null) {
                    l.continuationToken(t);
                }
            }));
            for (S3Object o : r.contents()) {
                out.add(o.key().substring(prefix.length()));
            }
            token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
        } while (token != null);
        out.sort(null);
        return out;
    }

    @Override
    public void delete(String key) throws IOException {
        call(() -> s3.deleteObject(r -> r.bucket(bucket).key(key(key))));
    }

    @Override
    public String describe() {
        return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " (endpoint " + endpoint + ")");
    }

    @Override
    public void close() {
        s3.close();
    }

    /** A missing object (404), told apart from failures. */
    private static final class NotFound extends IOException {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message);
        }
    }

    private interface Call<T> {
        T run();
    }

    private <T> T call(Call<T> c) throws IOException {
        try {
            return c.run();
        } catch (NoSuchKeyException e) {
            throw new NotFound(e.getMessage());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NotFound(e.getMessage());
            }
            throw new IOException(describe() + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException(describe() + ": " + e.getMessage(), e);
        }
    }
}
