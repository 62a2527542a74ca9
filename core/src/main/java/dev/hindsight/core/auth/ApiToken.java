package dev.hindsight.core.auth;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A stored API token: its name, role, optional aggregate-id prefix scope and the SHA-256 of the secret. Immutable.
 *
 * @param name unique name, for listing and revoking
 * @param role what it may do
 * @param prefix if set, the token may only touch aggregates whose id starts with it
 * @param sha256 lowercase hex SHA-256 of the secret ({@link TokenSecrets#hash})
 * @param createdAt when it was created, to the second (every store keeps that much)
 */
public record ApiToken(String name, Role role, @Nullable String prefix, String sha256, Instant createdAt) {
    public ApiToken {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(createdAt, "createdAt");
        TokenSecrets.checkName(name);
        createdAt = createdAt.truncatedTo(ChronoUnit.SECONDS);
        if (prefix != null && prefix.isEmpty()) {
            prefix = null;
        }
    }

    /** Whether the token's scope covers {@code aggregateId}. */
    public boolean covers(String aggregateId) {
        return prefix == null || aggregateId.startsWith(prefix);
    }
}
