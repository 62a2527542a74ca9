package dev.hindsight.cli;

import dev.hindsight.store.postgres.PostgresOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease that makes one process of a role active and the others standbys: a session-level PostgreSQL advisory lock
 * ({@code pg_try_advisory_lock}) taken on a dedicated connection, outside any pool. PostgreSQL releases it when that
 * connection ends, so a killed or partitioned holder loses it without any timeout of ours; the key is derived from a
 * name naming what the role writes (for instance the read model's schema and its projections), so processes of
 * different stores never contend. Thread-safe.
 */
final class RoleLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RoleLease.class);

    private final PostgresOptions options;
    private final String name;
    private final long key;
    private @Nullable Connection connection; // guarded by this; open while holding, and kept between tries
    private boolean holding; // guarded by this

    RoleLease(PostgresOptions options, String name) {
        this.options = options;
        this.name = name;
        this.key = keyOf(name);
    }

    /** The advisory-lock key of {@code name}: the first 8 bytes of its SHA-256. */
    static long keyOf(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    String name() {
        return name;
    }

    long key() {
        return key;
    }

    /**
     * Takes the lease if nobody holds it (idempotent while held).
     *
     * @return whether this process holds it now; false also when the database cannot be reached (logged)
     */
    synchronized boolean tryAcquire() {
        if (holding) {
            return true;
        }
        try {
            Connection c = connection;
            if (c == null) {
                c = connect();
                connection = c;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    holding = rs.next() && rs.getBoolean(1);
                }
            }
            return holding;
        } catch (SQLException e) {
            LOG.warn("cannot try the lease {}: {}", name, e.getMessage());
            release();
            return false;
        }
    }

    /** Whether the lease is still held: its connection answers (the lock lives as long as the session). */
    synchronized boolean held() {
        Connection c = connection;
        if (!holding || c == null) {
            return false;
        }
        try {
            if (c.isValid(2)) {
                return true;
            }
        } catch (SQLException e) {
            LOG.warn("lease {}: its connection failed: {}", name, e.getMessage());
        }
        release();
        return false;
    }

    /** Gives the lease up (closing its connection ends the session, which releases the lock). */
    synchronized void release() {
        Connection c = connection;
        connection = null;
        holding = false;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("lease {}: closing its connection: {}", name, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        release();
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        if (options.user() != null) {
            props.setProperty("user", options.user());
        }
        if (options.password() != null) {
            props.setProperty("password", options.password());
        }
        props.setProperty("ApplicationName", options.applicationName() + "-lease");
        props.setProperty("tcpKeepAlive", "true");
        Connection c = DriverManager.getConnection(options.jdbcUrl(), props);
        c.setAutoCommit(true);
        return c;
    }

    @Override
    public String toString() {
        return "lease " + name;
    }
}
