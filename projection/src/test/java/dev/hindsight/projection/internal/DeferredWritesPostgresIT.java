package dev.hindsight.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.projection.Dialect;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batched and set-based writes ({@link DeferredWrites}, {@link SetBased}) against real PostgreSQL: which statements get
 * a set-based form, and — over a seeded random mix of runs with and without repeated keys — that a deferring session
 * leaves exactly the rows that executing every statement at once leaves.
 */
class DeferredWritesPostgresIT {
    private static final String URL = env("HINDSIGHT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/hindsight_test");
    private static final String USER = env("HINDSIGHT_PG_USER", "hindsight");
    private static final String PASSWORD = env("HINDSIGHT_PG_PASSWORD", "hindsight");

    private final String schema = "t_defer_" + UUID.randomUUID().toString().substring(0, 8);
    private Connection c;

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    @BeforeEach
    void open() throws SQLException {
        c = DriverManager.getConnection(URL, USER, PASSWORD);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("SET search_path TO " + schema);
            for (String t : new String[] {"t_now", "t_later"}) {
                s.execute("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, a BIGINT NOT NULL, s VARCHAR(20),"
                        + " v BIGINT NOT NULL, grp INT NOT NULL)");
                s.execute("CREATE INDEX " + t + "_grp ON " + t + " (grp)");
            }
        }
    }

    @AfterEach
    void close() throws SQLException {
        if (!c.getAutoCommit()) {
            c.rollback();
            c.setAutoCommit(true);
        }
        try (Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
        c.close();
    }

    private static final String[] SQL = {
        "INSERT INTO %s (id, a, s, v, grp) VALUES (?, ?, ?, 1, ?) ON CONFLICT (id) DO UPDATE SET a = %s.a + excluded.a,"
                + " s = excluded.s",
        "UPDATE %s SET a = a * 2 + ?, v = ? WHERE id = ? AND v < ?",
        "UPDATE %s SET s = ?, grp = ? WHERE id = ?",
        "UPDATE %s SET a = a + ? WHERE grp = ?", // not by a unique key: never set-based
        "INSERT INTO %s (id, a, s, v, grp) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    };

    private static String sql(int kind, String table) {
        return SQL[kind].formatted(table, table);
    }

    @Test
    void setBased_onlyForStatementsByUniqueKeyWithoutUnsafeSyntax() throws SQLException {
        assertThat(SetBased.of(c, sql(0, "t_now"))).isNotNull();
        assertThat(SetBased.of(c, sql(1, "t_now"))).isNotNull();
        assertThat(SetBased.of(c, sql(2, "t_now"))).isNotNull();
        assertThat(SetBased.of(c, sql(3, "t_now"))).isNull(); // grp is not unique
        assertThat(SetBased.of(c, sql(4, "t_now"))).isNotNull();
        assertThat(SetBased.of(c, "UPDATE t_now SET a = ? WHERE id = ? OR grp = ?"))
                .isNull();
        assertThat(SetBased.of(c, "UPDATE t_now SET s = 'x?' WHERE id = ?")).isNull();
        assertThat(SetBased.of(c, "UPDATE t_now SET a = (SELECT max(a) FROM t_later) WHERE id = ?"))
                .isNull();
        assertThat(SetBased.of(c, "UPDATE t_now SET a = ? WHERE id = ? RETURNING a"))
                .isNull();
        assertThat(SetBased.of(
                        c,
                        "INSERT INTO t_now (id, a, s, v, grp) VALUES (? + 1, ?, ?, ?, ?)"
                                + " ON CONFLICT (id) DO NOTHING"))
                .isNull(); // the conflict key is not a plain parameter
        SetBased update = SetBased.of(c, sql(2, "t_now"));
        assertThat(update.fits(List.of(new Object[] {"a", 1, 5L}, new Object[] {"b", 1, 6L})))
                .isTrue();
        assertThat(update.fits(List.of(new Object[] {"a", 1, 5L}, new Object[] {"b", 1, 5L})))
                .isFalse();
        assertThat(update.fits(List.of(new Object[] {"a", 1, 5L}, new Object[] {"b", 2L, 6L})))
                .isFalse(); // types
        assertThat(update.fits(
                        List.of(new Object[] {new SetBased.Null(Types.VARCHAR), 1, 5L}, new Object[] {"b", 1, 6L})))
                .isTrue();
    }

    @Test
    void analyses_askTheCatalogOncePerStatement() throws SQLException {
        SetBased.Analyses analyses = new SetBased.Analyses();
        String byKey = sql(2, "t_now");
        String byGroup = sql(3, "t_now");
        assertThat(analyses.of(c, byKey)).isNotNull();
        assertThat(analyses.of(c, byGroup)).isNull();
        try (Statement s = c.createStatement()) { // what the catalog says from now on
            s.execute("ALTER TABLE t_now DROP CONSTRAINT t_now_pkey");
            s.execute("CREATE UNIQUE INDEX t_now_grp_unique ON t_now (grp)");
        }
        assertThat(SetBased.of(c, byKey)).as("asked again").isNull();
        assertThat(SetBased.of(c, byGroup)).as("asked again").isNotNull();
        assertThat(analyses.of(c, byKey)).as("remembered").isNotNull();
        assertThat(analyses.of(c, byGroup)).as("remembered").isNull();
    }

    @Test
    void deferredSession_randomRunsWithAndWithoutRepeatedKeys_leavesTheSameRowsAsImmediateExecution()
            throws SQLException {
        Random random = new Random(20261126L);
        c.setAutoCommit(false);
        SessionImpl deferred = new SessionImpl(c, Dialect.POSTGRES, Set.of("t"), "_later", true);
        long version = 1;
        int setBasedRuns = 0;
        for (int run = 0; run < 200; run++) {
            int kind = random.nextInt(SQL.length);
            int length = 1 + random.nextInt(40);
            boolean distinct = random.nextBoolean();
            int base = random.nextInt(200);
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                long id = distinct ? base + i : base + random.nextInt(5);
                version++;
                String s = random.nextInt(5) == 0 ? null : "s" + random.nextInt(100);
                rows.add(
                        switch (kind) {
                            case 0 -> new Object[] {id, (long) random.nextInt(10), s, random.nextInt(3)};
                            case 1 -> new Object[] {(long) random.nextInt(10), version, id, version};
                            case 2 -> new Object[] {s, random.nextInt(3), id};
                            case 3 -> new Object[] {(long) random.nextInt(10), random.nextInt(3)};
                            default -> new Object[] {id, (long) random.nextInt(10), s, version, random.nextInt(3)};
                        });
            }
            if (distinct && length > 1 && kind != 3) {
                setBasedRuns++;
            }
            try (PreparedStatement now = c.prepareStatement(sql(kind, "t_now"))) {
                for (Object[] row : rows) {
                    bind(now, row);
                    now.executeUpdate();
                }
            }
            PreparedStatement later = deferred.prepare(sql(kind, deferred.table("t")));
            for (Object[] row : rows) {
                bind(later, row);
                assertThat(later.executeUpdate()).isEqualTo(Statement.SUCCESS_NO_INFO);
            }
            if (random.nextInt(10) == 0) {
                // a read in between sees everything queued before it
                try (ResultSet rs = deferred.connection()
                        .createStatement()
                        .executeQuery("SELECT count(*), coalesce(sum(a), 0) FROM t_later")) {
                    rs.next();
                    assertThat(rs.getString(1) + "/" + rs.getString(2)).isEqualTo(summary("t_now"));
                }
            }
        }
        deferred.flush();
        deferred.close();
        assertThat(setBasedRuns).isGreaterThan(30);
        assertThat(rows("t_later")).isEqualTo(rows("t_now")).isNotEmpty();
        c.commit();
    }

    @Test
    void deferredSession_setBasedWriteFailsWhileHandlerGoesOn_failureSurfacesAndRollbackLeavesNothing()
            throws SQLException {
        c.setAutoCommit(false);
        SessionImpl s = new SessionImpl(c, Dialect.POSTGRES, Set.of("t"), "_later", true);
        PreparedStatement insert = s.prepare(sql(4, "t_later"));
        PreparedStatement update = s.prepare(sql(2, "t_later"));
        for (long id = 1; id <= 50; id++) {
            bind(insert, new Object[] {id, id == 30 ? null : 1L, "x", 1L, 1}); // a NOT NULL violation at id 30
            insert.executeUpdate();
        }
        // switching statements hands the inserts on as one set-based statement; the flush sends it
        bind(update, new Object[] {"y", 2, 1L});
        update.executeUpdate();
        SQLException failure = null;
        try {
            s.flush();
        } catch (SQLException e) {
            failure = e;
        }
        assertThat(failure == null ? "no failure" : failure.getMessage()).contains("null value");
        s.discard();
        c.rollback();
        assertThat(rows("t_later")).isEmpty();
        // the session and connection go on; nothing of the failed transaction reappears
        bind(insert, new Object[] {7L, 1L, "z", 1L, 1});
        insert.executeUpdate();
        bind(insert, new Object[] {8L, 1L, "z", 1L, 1});
        insert.executeUpdate();
        s.flush();
        c.commit();
        assertThat(rows("t_later")).containsExactly("7,1,z,1,1", "8,1,z,1,1");
        s.close();
    }

    @Test
    void deferredSession_setBasedGroupsOfSeveralStatements_reachTheServerInOneRoundTripInOrder() throws SQLException {
        c.setAutoCommit(false);
        AtomicInteger executions = new AtomicInteger();
        SessionImpl s = new SessionImpl(counting(c, executions), Dialect.POSTGRES, Set.of("t"), "_later", true);
        PreparedStatement insert = s.prepare(sql(4, "t_later"));
        PreparedStatement rename = s.prepare(sql(2, "t_later"));
        PreparedStatement bump = s.prepare(sql(1, "t_later"));
        PreparedStatement upsert = s.prepare(sql(0, "t_later"));
        executions.set(0);
        for (long id = 1; id <= 5; id++) {
            bind(insert, new Object[] {id, id, "x", 1L, 1});
            insert.executeUpdate();
        }
        bind(rename, new Object[] {"y", 2, 3L}); // a group of one execution
        rename.executeUpdate();
        for (long id = 2; id <= 4; id++) {
            bind(bump, new Object[] {10L, 5L, id, 5L});
            bump.executeUpdate();
        }
        bind(upsert, new Object[] {3L, 100L, "z", 3}); // one upsert, as the runner's checkpoint
        upsert.executeUpdate();
        assertThat(executions).hasValue(0);
        s.flush();
        assertThat(executions).hasValue(1);
        c.commit();
        assertThat(rows("t_later"))
                .containsExactly("1,1,x,1,1", "2,14,x,5,1", "3,116,z,5,2", "4,18,x,5,1", "5,5,x,1,1");
        s.close();
    }

    @Test
    void deferredSession_flushAndCommit_commitsInTheWritesRoundTripAndTheDriverSendsNoSecondCommit()
            throws SQLException {
        c.setAutoCommit(false);
        AtomicInteger executions = new AtomicInteger();
        SessionImpl s = new SessionImpl(counting(c, executions), Dialect.POSTGRES, Set.of("t"), "_later", true);
        PreparedStatement insert = s.prepare(sql(4, "t_later"));
        PreparedStatement upsert = s.prepare(sql(0, "t_later"));
        executions.set(0);
        for (long id = 1; id <= 3; id++) {
            bind(insert, new Object[] {id, id, "x", 1L, 1});
            insert.executeUpdate();
        }
        bind(upsert, new Object[] {2L, 10L, "z", 2}); // the runner's checkpoint comes last, as an upsert
        upsert.executeUpdate();

        assertThat(s.flushAndCommit()).isTrue();

        assertThat(executions).hasValue(1);
        // committed: the server has left the transaction, another session sees the rows, and the driver's commit of
        // the open JDBC transaction has nothing left to send
        assertThat(((org.postgresql.core.BaseConnection) c).getTransactionState())
                .isEqualTo(org.postgresql.core.TransactionState.IDLE);
        assertThat(rowsSeenElsewhere("t_later")).isEqualTo(3);
        c.setAutoCommit(true);
        assertThat(rows("t_later")).containsExactly("1,1,x,1,1", "2,12,z,1,1", "3,3,x,1,1");
        // the next transaction on the same session and statements starts afresh
        c.setAutoCommit(false);
        bind(insert, new Object[] {4L, 4L, "x", 1L, 1});
        insert.executeUpdate();
        assertThat(s.flushAndCommit()).isTrue();
        c.setAutoCommit(true);
        assertThat(rowsSeenElsewhere("t_later")).isEqualTo(4);
        s.close();
    }

    @Test
    void deferredSession_flushAndCommit_aFailingWriteCommitsNothingAndTheRollbackLeavesNothing() throws SQLException {
        c.setAutoCommit(false);
        SessionImpl s = new SessionImpl(c, Dialect.POSTGRES, Set.of("t"), "_later", true);
        PreparedStatement insert = s.prepare(sql(4, "t_later"));
        PreparedStatement upsert = s.prepare(sql(0, "t_later"));
        for (long id = 1; id <= 5; id++) {
            bind(insert, new Object[] {id, id == 3 ? null : 1L, "x", 1L, 1}); // a NOT NULL violation at id 3
            insert.executeUpdate();
        }
        bind(upsert, new Object[] {9L, 1L, "z", 1});
        upsert.executeUpdate();
        SQLException failure = null;
        try {
            s.flushAndCommit();
        } catch (SQLException e) {
            failure = e;
        }
        assertThat(failure == null ? "no failure" : failure.getMessage()).contains("null value");
        s.discard();
        c.rollback();
        c.setAutoCommit(true);
        assertThat(rows("t_later")).isEmpty();
        assertThat(rowsSeenElsewhere("t_later")).isZero();
        s.close();
    }

    @Test
    void deferredSession_flushAndCommit_lastStatementNotSetBased_sendsTheWritesAndLeavesTheCommitToTheCaller()
            throws SQLException {
        c.setAutoCommit(false);
        SessionImpl s = new SessionImpl(c, Dialect.POSTGRES, Set.of("t"), "_later", true);
        PreparedStatement insert = s.prepare(sql(4, "t_later"));
        PreparedStatement byGroup = s.prepare(sql(3, "t_later")); // not by a unique key: a JDBC batch
        bind(insert, new Object[] {1L, 1L, "x", 1L, 1});
        insert.executeUpdate();
        bind(byGroup, new Object[] {5L, 1});
        byGroup.executeUpdate();

        assertThat(s.flushAndCommit()).isFalse();

        assertThat(rows("t_later")).containsExactly("1,6,x,1,1"); // sent, in this transaction
        assertThat(rowsSeenElsewhere("t_later")).isZero(); // not committed
        c.commit();
        assertThat(rowsSeenElsewhere("t_later")).isEqualTo(1);
        assertThat(new SessionImpl(c, Dialect.POSTGRES, Set.of("t"), "_later").flushAndCommit())
                .isFalse(); // a session that defers nothing never commits
        s.close();
    }

    /** The rows of {@code table} that another session sees: what has committed. */
    private int rowsSeenElsewhere(String table) throws SQLException {
        try (Connection other = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement st = other.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + schema + "." + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** {@code c} with the executions of its prepared statements counted: one per round trip to the server. */
    private static Connection counting(Connection c, AtomicInteger executions) {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, m, args) -> {
                    Object result = invoke(c, m, args);
                    if (result instanceof PreparedStatement ps) {
                        return Proxy.newProxyInstance(
                                PreparedStatement.class.getClassLoader(),
                                new Class<?>[] {PreparedStatement.class},
                                (p, sm, sargs) -> {
                                    if (sm.getName().startsWith("execute")) {
                                        executions.incrementAndGet();
                                    }
                                    return invoke(ps, sm, sargs);
                                });
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void bind(PreparedStatement ps, Object[] row) throws SQLException {
        for (int i = 0; i < row.length; i++) {
            if (row[i] == null) {
                ps.setNull(i + 1, Types.VARCHAR);
            } else if (row[i] instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (row[i] instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, (String) row[i]);
            }
        }
    }

    private String summary(String table) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(a), 0) FROM " + table)) {
            rs.next();
            return rs.getString(1) + "/" + rs.getString(2);
        }
    }

    private List<String> rows(String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, a, s, v, grp FROM " + table + " ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getLong(1) + "," + rs.getLong(2) + "," + rs.getString(3) + "," + rs.getLong(4) + ","
                        + rs.getInt(5));
            }
        }
        return out;
    }
}
