package dev.hindsight.store.postgres;

import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.auth.TokenSecrets;
import dev.hindsight.core.auth.TokenStore;
import dev.hindsight.store.postgres.internal.Migrations;
import dev.hindsight.store.postgres.internal.SqlErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * API tokens in the {@code api_tokens} table of the store's schema (only their SHA-256). Every change is one committed
 * statement. Thread-safe; the caller owns the pool.
 */
public final class PostgresTokenStore implements TokenStore {
    private final DataSource ds;
    private final String schema;
    private final Clock clock;

    private PostgresTokenStore(DataSource ds, String schema, Clock clock) {
        this.ds = ds;
        this.schema = schema;
        this.clock = clock;
    }

    /**
     * The token store in the schema of {@code options} on {@code dataSource}, migrating the schema first unless
     * {@link PostgresOptions#migrate()} is off.
     */
    public static PostgresTokenStore open(DataSource dataSource, PostgresOptions options) {
        if (options.migrate()) {
            Migrations.migrate(dataSource, options.schema(), options.partitions());
        }
        return new PostgresTokenStore(dataSource, options.schema(), Clock.systemUTC());
    }

    @Override
    public List<ApiToken> list() {
        String sql = "SELECT name, role, prefix, sha256, created_at FROM " + schema + ".api_tokens ORDER BY name";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            List<ApiToken> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new ApiToken(
                        rs.getString(1),
                        Role.parse(rs.getString(2)),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getTimestamp(5).toInstant()));
            }
            return List.copyOf(out);
        } catch (SQLException e) {
            throw SqlErrors.translate("listing API tokens", e);
        }
    }

    @Override
    public Created create(@Nullable String name, Role role, @Nullable String prefix) {
        String secret = TokenSecrets.generate();
        String hash = TokenSecrets.hash(secret);
        ApiToken token = new ApiToken(
                name != null ? name : "token-" + hash.substring(0, 8), role, prefix, hash, clock.instant());
        String sql = "INSERT INTO " + schema + ".api_tokens (name, role, prefix, sha256, created_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, token.name());
            ps.setString(2, role.name());
            ps.setString(3, token.prefix());
            ps.setString(4, hash);
            ps.setTimestamp(5, Timestamp.from(token.createdAt()));
            if (ps.executeUpdate() == 0) {
                throw new IllegalArgumentException("a token named '" + token.name() + "' exists already");
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("creating an API token", e);
        }
        return new Created(secret, token);
    }

    @Override
    public boolean revoke(String name) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".api_tokens WHERE name = ?")) {
            ps.setString(1, name);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw SqlErrors.translate("revoking an API token", e);
        }
    }
}
