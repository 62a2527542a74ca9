package dev.hindsight.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link S3TestServer} per test class, over a fresh directory with {@code bucket} created, stopped and deleted
 * after the class: {@code @RegisterExtension static final S3ServerExtension S3 = new S3ServerExtension("bucket");}.
 */
public final class S3ServerExtension implements BeforeAllCallback, AfterAllCallback {
    private final String bucket;
    private @Nullable Path dir;
    private @Nullable S3TestServer server;

    public S3ServerExtension(String bucket) {
        this.bucket = bucket;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("hindsight-s3-");
        server = S3TestServer.start(dir, bucket);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    /** The running server (between the class's first and last test). */
    public S3TestServer server() {
        if (server == null) {
            throw new IllegalStateException("the S3 server runs only while the test class runs");
        }
        return server;
    }

    /** {@link S3TestServer#store} on this extension's bucket. */
    public S3ObjectStore store(String prefix) {
        return server().store(bucket, prefix);
    }

    /** {@link S3TestServer#endpoint}. */
    public String endpoint() {
        return server().endpoint();
    }

    /** {@link S3TestServer#file} on this extension's bucket. */
    public Path file(String key) {
        return server().file(bucket, key);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
