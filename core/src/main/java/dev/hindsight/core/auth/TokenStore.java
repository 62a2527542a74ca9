package dev.hindsight.core.auth;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a store keeps its API tokens (hashed). Implementations are thread-safe; several processes may share one store
 * (the CLI creates tokens while a server runs), and every change is durable when the method returns.
 */
public interface TokenStore {

    /** Every token, ordered by name. */
    List<ApiToken> list();

    /**
     * Creates a token and returns its secret, which is stored only as a hash: this is the one time it is seen.
     *
     * @param name unique name; {@code null} for a generated one
     * @param role what it may do
     * @param prefix aggregate-id prefix scope, or {@code null} for all aggregates
     * @return the created token's secret and its stored description
     * @throws IllegalArgumentException if the name is invalid or already taken
     */
    Created create(@Nullable String name, Role role, @Nullable String prefix);

    /**
     * Revokes (deletes) the token named {@code name}.
     *
     * @return false if there was none
     */
    boolean revoke(String name);

    /** A created token: the secret (shown once) and what was stored. */
    record Created(String secret, ApiToken token) {}
}
