package dev.hindsight.archive;

import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** Opens an {@link ObjectStore} from an archive URL: {@code s3://BUCKET/PREFIX} or {@code file:///DIR}. */
public final class ObjectStores {
    private ObjectStores() {}

    /**
     * Opens the store at {@code url}.
     *
     * @param s3Endpoint for {@code s3://} URLs: an S3-compatible server, or null for AWS S3
     * @throws IllegalArgumentException if the URL is not one of the supported forms (the message says which are)
     */
    public static ObjectStore open(String url, @Nullable String s3Endpoint) throws IOException {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("archive URL '" + url + "' is not a URL (" + e.getMessage()
                    + "); use s3://BUCKET/PREFIX or file:///DIR");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme();
        switch (scheme) {
            case "s3" -> {
                if (u.getHost() == null || u.getHost().isBlank()) {
                    throw new IllegalArgumentException(
                            "archive URL '" + url + "' names no bucket; expected s3://BUCKET/PREFIX");
                }
                String prefix = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
                URI endpoint = null;
                if (s3Endpoint != null && !s3Endpoint.isBlank()) {
                    endpoint = URI.create(s3Endpoint);
                    if (endpoint.getScheme() == null || endpoint.getHost() == null) {
                        throw new IllegalArgumentException(
                                "S3 endpoint '" + s3Endpoint + "' is not a URL like http://HOST:PORT");
                    }
                }
                return S3ObjectStore.open(u.getHost(), prefix, endpoint);
            }
            case "file" -> {
                return new LocalObjectStore(Path.of(u));
            }
            default ->
                throw new IllegalArgumentException(
                        "archive URL '" + url + "' is not supported; use s3://BUCKET/PREFIX or file:///DIR");
        }
    }
}
