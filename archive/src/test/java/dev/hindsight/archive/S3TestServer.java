package dev.hindsight.archive;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3-compatible server for tests: s3proxy over a directory (one sub-directory per bucket, one file per
 * object), on a free port of 127.0.0.1, with SigV4 credentials {@link #ACCESS_KEY} / {@link #SECRET_KEY}.
 */
public final class S3TestServer implements AutoCloseable {
    public static final String ACCESS_KEY = "hindsight-test";
    public static final String SECRET_KEY = "hindsight-test-secret";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final Path dir;

    private S3TestServer(S3Proxy proxy, BlobStoreContext context, Path dir) {
        this.proxy = proxy;
        this.context = context;
        this.dir = dir;
    }

    /** Starts a server storing under {@code dir}, with {@code bucket} created, on a free port. */
    public static S3TestServer start(Path dir, String bucket) throws Exception {
        return start(dir, bucket, 0);
    }

    /** The same on {@code port} (0: a free one). */
    public static S3TestServer start(Path dir, String bucket, int port) throws Exception {
        Files.createDirectories(dir.resolve(bucket));
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        BlobStoreContext ctx = ContextBuilder.newBuilder("filesystem")
                .credentials("identity", "credential")
                .overrides(p)
                .build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(ctx.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return new S3TestServer(proxy, ctx, dir);
    }

    /**
     * Runs a server until killed, for benchmarks and manual tries ({@code bench/s3proxy.sh}): arguments DIR BUCKET
     * [PORT]; prints {@code endpoint=http://127.0.0.1:PORT}.
     */
    public static void main(String[] args) throws Exception {
        S3TestServer s = start(Path.of(args[0]), args[1], args.length > 2 ? Integer.parseInt(args[2]) : 0);
        System.out.println("endpoint=" + s.endpoint() + " access_key=" + ACCESS_KEY + " secret_key=" + SECRET_KEY);
        Thread.currentThread().join();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** The file holding {@code key} of {@code bucket} (to damage it in tests). */
    public Path file(String bucket, String key) {
        return dir.resolve(bucket).resolve(key);
    }

    /** An S3 store over this server (credentials passed as the SDK's system properties). */
    public S3ObjectStore store(String bucket, String prefix) {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        return S3ObjectStore.open(bucket, prefix, URI.create(endpoint()));
    }

    @Override
    public void close() throws IOException {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            context.close();
        }
    }
}
