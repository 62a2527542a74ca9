package dev.hindsight.store.postgres;

import dev.hindsight.core.privacy.SubjectKey;
import dev.hindsight.core.privacy.SubjectKeyStore;
import dev.hindsight.store.postgres.internal.SqlErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * Subject keys in the {@code subject_keys} table of the store's schema (migration V7). Creating is one
 * {@code INSERT ... ON CONFLICT DO NOTHING} followed by a read, so concurrent servers agree on one key per subject;
 * forgetting is one upsert of the subject's tombstone ({@link SubjectKey#forgotten}: key id
 * {@code $forgotten:<subject ref>}, empty {@code wrapped_key}) over its row, after which no row holds the key (its
 * dead tuple is reclaimed by vacuum) and no server makes the subject a new one.
 * Thread-safe; the caller owns the pool.
 */
public final class PostgresSubjectKeyStore implements SubjectKeyStore {
    private final DataSource ds;
    private final String schema;

    private PostgresSubjectKeyStore(DataSource ds, String schema) {
        this.ds = ds;
        this.schema = schema;
    }

    /** The key store in {@code schema}, which the store's log has migrated (V7). */
    public static PostgresSubjectKeyStore open(DataSource dataSource, String schema) {
        return new PostgresSubjectKeyStore(dataSource, schema);
    }

    @Override
    public SubjectKey getOrCreate(String subjectRef, Supplier<SubjectKey> create) {
        Optional<SubjectKey> found = find("subject_ref", subjectRef);
        if (found.isPresent()) {
            return found.get();
        }
        SubjectKey k = create.get();
        String sql = "INSERT INTO " + schema + ".subject_keys (subject_ref, key_id, wrapped_key) VALUES (?, ?, ?)"
                + " ON CONFLICT (subject_ref) DO NOTHING";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, k.subjectRef());
            ps.setString(2, k.keyId());
            ps.setBytes(3, k.wrapped());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SqlErrors.translate("storing a subject key", e);
        }
        return find("subject_ref", subjectRef)
                .orElseThrow(() -> new IllegalStateException("subject key vanished right after it was stored"));
    }

    @Override
    public Optional<SubjectKey> bySubject(String subjectRef) {
        return find("subject_ref", subjectRef);
    }

    @Override
    public Optional<SubjectKey> anyKey() {
        String sql = "SELECT subject_ref, key_id, wrapped_key FROM " + schema + ".subject_keys WHERE key_id NOT LIKE '"
                + SubjectKey.FORGOTTEN_PREFIX + "%' LIMIT 1";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            return rs.next()
                    ? Optional.of(new SubjectKey(rs.getString(1), rs.getString(2), rs.getBytes(3)))
                    : Optional.empty();
        } catch (SQLException e) {
            throw SqlErrors.translate("reading a subject key", e);
        }
    }

    @Override
    public Optional<SubjectKey> byKeyId(String keyId) {
        return keyId.startsWith(SubjectKey.FORGOTTEN_PREFIX) ? Optional.empty() : find("key_id", keyId);
    }

    @Override
    public Optional<String> delete(String subjectRef) {
        // one transaction: the old row (if any) is locked and read, then replaced by the tombstone; a concurrent insert
        // of a key either committed before (and is replaced) or waits for this one and then finds the tombstone
        String table = schema + ".subject_keys";
        SubjectKey tombstone = SubjectKey.forgotten(subjectRef);
        try (Connection c = ds.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                String old = null;
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT key_id FROM " + table + " WHERE subject_ref = ? FOR UPDATE")) {
                    ps.setString(1, subjectRef);
                    try (ResultSet rs = ps.executeQuery()) {
                        old = rs.next() ? rs.getString(1) : null;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                        + " (subject_ref, key_id, wrapped_key) VALUES (?, ?, ?) ON CONFLICT (subject_ref)"
                        + " DO UPDATE SET key_id = EXCLUDED.key_id, wrapped_key = EXCLUDED.wrapped_key")) {
                    ps.setString(1, subjectRef);
                    ps.setString(2, tombstone.keyId());
                    ps.setBytes(3, tombstone.wrapped());
                    ps.executeUpdate();
                }
                c.commit();
                return old == null || old.startsWith(SubjectKey.FORGOTTEN_PREFIX) ? Optional.empty() : Optional.of(old);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("deleting a subject key", e);
        }
    }

    /**
     * In one transaction holding the table's exclusive lock (appenders creating keys wait for it): reads every row,
     * deletes them and inserts the replacement, so a crash leaves the old rows or the new ones.
     */
    @Override
    public void replaceAll(UnaryOperator<List<SubjectKey>> replace) {
        String table = schema + ".subject_keys";
        try (Connection c = ds.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                List<SubjectKey> current = new ArrayList<>();
                try (Statement st = c.createStatement()) {
                    st.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
                    try (ResultSet rs = st.executeQuery(
                            "SELECT subject_ref, key_id, wrapped_key FROM " + table + " ORDER BY subject_ref")) {
                        while (rs.next()) {
                            current.add(new SubjectKey(rs.getString(1), rs.getString(2), rs.getBytes(3)));
                        }
                    }
                    List<SubjectKey> next = replace.apply(List.copyOf(current));
                    st.executeUpdate("DELETE FROM " + table);
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO " + table + " (subject_ref, key_id, wrapped_key) VALUES (?, ?, ?)")) {
                        for (SubjectKey k : next) {
                            ps.setString(1, k.subjectRef());
                            ps.setString(2, k.keyId());
                            ps.setBytes(3, k.wrapped());
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("replacing the subject keys", e);
        }
    }

    private Optional<SubjectKey> find(String column, String value) {
        String sql =
                "SELECT subject_ref, key_id, wrapped_key FROM " + schema + ".subject_keys WHERE " + column + " = ?";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new SubjectKey(rs.getString(1), rs.getString(2), rs.getBytes(3)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("reading a subject key", e);
        }
    }
}
