package dev.hindsight.bench.httpref;

import org.jspecify.annotations.Nullable;

/** The aggregate id of {@code /api/aggregates/{id}/events}, as the reference servers take it (no decoding). */
final class AppendPath {
    private static final String PREFIX = "/api/aggregates/";
    private static final String SUFFIX = "/events";

    private AppendPath() {}

    static @Nullable String aggregateId(String path) {
        if (path.length() <= PREFIX.length() + SUFFIX.length() || !path.startsWith(PREFIX) || !path.endsWith(SUFFIX)) {
            return null;
        }
        String id = path.substring(PREFIX.length(), path.length() - SUFFIX.length());
        return id.indexOf('/') >= 0 || id.indexOf('%') >= 0 ? null : id;
    }
}
