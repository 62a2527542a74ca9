/**
 * API tokens: a {@link dev.hindsight.core.auth.Role}, an optional aggregate-id prefix scope, and a
 * {@link dev.hindsight.core.auth.TokenStore} that keeps only each token's SHA-256 hash beside the store (never the token
 * itself).
 *
 * <p>File format of {@link dev.hindsight.core.auth.FileTokenStore} ({@code tokens.json} in the data directory), written
 * atomically (temporary file, fsync, rename): {@code {"tokens": [{"name", "role", "prefix"?, "sha256", "created_at"}]}}
 * where {@code sha256} is the lowercase hex SHA-256 of the token's UTF-8 bytes.
 */
@NullMarked
package dev.hindsight.core.auth;

import org.jspecify.annotations.NullMarked;
