package dev.hindsight.projection.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns a handler's row-by-row writes into batches without changing what it observes: consecutive
 * {@code executeUpdate()} calls on one statement from {@link SessionImpl#prepare} are queued and sent together — as one
 * set-based statement where {@link SetBased} shows that gives the same result (PostgreSQL), else as a JDBC batch
 * ({@code addBatch}/{@code executeBatch}, one round trip). The queue is flushed, in order, before anything else touches
 * the database — another statement of the session executing, any call on the connection or on a statement made from
 * it, and the end of the runner's transaction — so every read sees every earlier write and effects happen in the
 * handler's order. A queued {@code executeUpdate()} returns {@link Statement#SUCCESS_NO_INFO}; a handler that needs the
 * row count uses {@link SessionImpl#connection()}.
 *
 * <p>Not thread-safe: confined to the thread of its session.
 */
final class DeferredWrites {
    /** Most executions queued before they are sent anyway (bounds memory and the work a failure throws away). */
    static final int MAX_QUEUED = 1000;

    /** Most set-based statements (texts) kept prepared per session. */
    static final int CACHED = 64;

    /** Statement methods that neither execute nor observe anything: they pass straight through. */
    private static final Set<String> LOCAL = Set.of(
            "setNull",
            "setBoolean",
            "setByte",
            "setShort",
            "setInt",
            "setLong",
            "setFloat",
            "setDouble",
            "setBigDecimal",
            "setString",
            "setBytes",
            "setDate",
            "setTime",
            "setTimestamp",
            "setObject",
            "clearParameters",
            "isClosed",
            "hashCode",
            "equals",
            "toString");
    /** Setters whose value a set-based statement can carry (with {@code setObject} of such a value). */
    private static final Set<String> RECORDABLE = Set.of(
            "setNull",
            "setBoolean",
            "setShort",
            "setInt",
            "setLong",
            "setFloat",
            "setDouble",
            "setBigDecimal",
            "setString",
            "setObject");

    /** One statement's queue: recorded parameter rows (set-based candidate) or a JDBC batch. */
    private final class Slot {
        final PreparedStatement raw;

        @Nullable
        SetBased plan;

        Object[] current;
        final List<Object[]> rows = new ArrayList<>();
        int batched;

        Slot(PreparedStatement raw, @Nullable SetBased plan) {
            this.raw = raw;
            this.plan = plan;
            this.current = new Object[plan == null ? 0 : plan.parameterCount()];
            Arrays.fill(current, SetBased.UNSET);
        }

        int queued() {
            return rows.size() + batched;
        }

        /**
         * Hands the queue on: set-based executions join {@link #ready} (sent later, with the groups queued after them,
         * in one round trip); a JDBC batch is sent now, after what is ready.
         */
        void flush() throws SQLException {
            if (!rows.isEmpty()) {
                List<Object[]> todo = new ArrayList<>(rows);
                rows.clear();
                SetBased p = plan;
                if (p != null && p.fits(todo)) {
                    ready.add(new SetBased.Rows(p, todo));
                    readyRows += todo.size();
                    return;
                }
                sendReady(false);
                for (Object[] row : todo) {
                    bind(row);
                    raw.addBatch();
                }
                raw.executeBatch();
            } else if (batched > 0) {
                sendReady(false);
                batched = 0;
                raw.executeBatch();
            }
        }

        void discard() throws SQLException {
            rows.clear();
            if (batched > 0) {
                batched = 0;
                raw.clearBatch();
            }
        }

        void bind(Object[] row) throws SQLException {
            for (int i = 0; i < row.length; i++) {
                Object v = row[i];
                if (v instanceof SetBased.Null n) {
                    raw.setNull(i + 1, n.sqlType());
                } else if (v != SetBased.UNSET) {
                    raw.setObject(i + 1, v);
                }
            }
        }

        /** Stops recording: later executions go to the JDBC statement directly. */
        void plain() throws SQLException {
            if (plan != null) {
                await();
                if (pending == this) {
                    DeferredWrites.this.flush(); // the recorded rows first: flushing them rebinds the statement
                }
                bind(current);
                plan = null;
            }
        }

        @Nullable
        Object invoke(Method m, Object @Nullable [] args) throws Throwable {
            String name = m.getName();
            boolean update = (name.equals("executeUpdate") || name.equals("executeLargeUpdate")) && args == null;
            if (plan == null) {
                await(); // only recording a set-based statement's parameters may overlap a write in flight
            }
            if (update) {
                if (pending != this) {
                    flushPending(true);
                }
                pending = this;
                if (plan != null) {
                    rows.add(current.clone());
                } else {
                    raw.addBatch();
                    batched++;
                }
                if (queued() >= MAX_QUEUED) {
                    flushPending(true);
                }
                return name.equals("executeUpdate")
                        ? (Object) Statement.SUCCESS_NO_INFO
                        : (Object) (long) Statement.SUCCESS_NO_INFO;
            }
            if (plan != null && record(name, args)) {
                return null;
            }
            if (!LOCAL.contains(name)) {
                DeferredWrites.this.flush();
            }
            if (plan != null
                    && !name.equals("isClosed")
                    && !name.equals("hashCode")
                    && !name.equals("equals")
                    && !name.equals("toString")) {
                plain();
            }
            return DeferredWrites.invoke(raw, m, args);
        }

        /** Records a parameter for a set-based statement; false if it is not one it can carry. */
        boolean record(String name, Object @Nullable [] args) {
            if (name.equals("clearParameters")) {
                Arrays.fill(current, SetBased.UNSET);
                return true;
            }
            if (!RECORDABLE.contains(name)
                    || args == null
                    || args.length != 2
                    || !(args[0] instanceof Integer i)
                    || i < 1
                    || i > current.length) {
                return false;
            }
            Object v = args[1];
            if (name.equals("setNull")) {
                v = new SetBased.Null((Integer) v);
            } else if (v == null) {
                return false;
            } else if (!(v instanceof Long
                    || v instanceof Integer
                    || v instanceof Short
                    || v instanceof String
                    || v instanceof Boolean
                    || v instanceof Double
                    || v instanceof Float
                    || v instanceof BigDecimal)) {
                return false;
            }
            current[i - 1] = v;
            return true;
        }
    }

    private final Connection raw;
    private final Connection connection;
    private final SetBased.@Nullable Analyses setBased;
    /** Set-based statements by text, the least recently used closed beyond {@value #CACHED} (combinations vary). */
    private final Map<String, PreparedStatement> setBasedStatements = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= CACHED) {
                return false;
            }
            try {
                eldest.getValue().close();
            } catch (SQLException ignored) {
                // the server frees the statement with the connection at the latest
            }
            return true;
        }
    };

    private @Nullable Slot pending;
    /** Set-based groups handed on and not sent yet, in the handler's order; all sent together by {@link #sendReady}. */
    private final List<SetBased.Rows> ready = new ArrayList<>();
    /** Executions in {@link #ready}. */
    private int readyRows;
    /** A set-based statement running on another thread while the handler goes on; joined before any other use. */
    private @Nullable Thread inFlight;
    /** Its failure, read after joining it. */
    private volatile @Nullable Throwable inFlightError;

    /**
     * @param setBased where set-based statements are worked out ({@link SetBased}: PostgreSQL only); null: none
     */
    DeferredWrites(Connection raw, SetBased.@Nullable Analyses setBased) {
        this.raw = raw;
        this.setBased = setBased;
        this.connection = (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, this::onConnection);
    }

    /** The connection as handlers see it: each call first sends what is queued. */
    Connection connection() {
        return connection;
    }

    /** Sends the queued executions and waits until they are done. */
    void flush() throws SQLException {
        flushPending(false);
        await();
    }

    /**
     * Sends the queued executions with a {@code COMMIT} of the transaction after them, in one round trip, when the last
     * of them are set-based ({@link SetBased#executeAll(Connection, List, Map, boolean)}); the connection must be in a
     * transaction ({@code autoCommit} off). Otherwise (nothing queued, or the last statement went as a JDBC batch) it
     * only sends them, like {@link #flush}, and the caller commits as usual.
     *
     * @return whether the transaction was committed
     */
    boolean flushAndCommit() throws SQLException {
        await();
        Slot p = pending;
        pending = null;
        if (p != null) {
            p.flush();
        }
        if (ready.isEmpty()) {
            return false;
        }
        List<SetBased.Rows> todo = List.copyOf(ready);
        ready.clear();
        readyRows = 0;
        SetBased.executeAll(raw, todo, setBasedStatements, true);
        return true;
    }

    /**
     * Hands the pending statement's queue on ({@link Slot#flush}); then sends what is ready, unless {@code async} (the
     * handler goes on writing), in which case it is sent only past {@link #MAX_QUEUED} executions, on another thread.
     */
    private void flushPending(boolean async) throws SQLException {
        await();
        Slot p = pending;
        pending = null;
        if (p != null) {
            p.flush();
        }
        if (!async || readyRows >= MAX_QUEUED) {
            sendReady(async);
        }
    }

    /** Sends the ready set-based groups in one round trip; on another thread if {@code async} (see {@link #await}). */
    private void sendReady(boolean async) throws SQLException {
        await();
        if (ready.isEmpty()) {
            return;
        }
        List<SetBased.Rows> todo = List.copyOf(ready);
        ready.clear();
        readyRows = 0;
        if (async) {
            inFlight = Thread.ofVirtual().name("projection-write").start(() -> {
                try {
                    SetBased.executeAll(raw, todo, setBasedStatements);
                } catch (Throwable e) {
                    inFlightError = e;
                }
            });
        } else {
            SetBased.executeAll(raw, todo, setBasedStatements);
        }
    }

    /**
     * Waits for the write in flight, if any, and rethrows its failure. Runs before anything else uses the connection,
     * so the connection sees one statement at a time and in the handler's order.
     */
    private void await() throws SQLException {
        Thread t = inFlight;
        if (t == null) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // it must end before the connection is used again
            }
        }
        inFlight = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = inFlightError;
        inFlightError = null;
        if (e instanceof SQLException s) {
            throw s;
        } else if (e instanceof RuntimeException r) {
            throw r;
        } else if (e instanceof Error err) {
            throw err;
        } else if (e != null) {
            throw new SQLException(e);
        }
    }

    /**
     * Forgets the queued executions, after waiting for the one in flight: call before the transaction is rolled back
     * (a statement still running would otherwise land in the next transaction).
     */
    void discard() {
        try {
            await();
        } catch (SQLException | RuntimeException ignored) {
            // the transaction is being rolled back for this or another failure
        }
        ready.clear();
        readyRows = 0;
        Slot p = pending;
        pending = null;
        if (p != null) {
            try {
                p.discard();
            } catch (SQLException ignored) {
                // the statement is unusable; its transaction is rolled back anyway
            }
        }
    }

    /** Closes the set-based statements. */
    void close() {
        discard();
        for (PreparedStatement ps : setBasedStatements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing
            }
        }
        setBasedStatements.clear();
    }

    /** A statement for {@code sql} whose {@code executeUpdate()} is queued. */
    PreparedStatement deferring(PreparedStatement statement, String sql) throws SQLException {
        Slot slot = new Slot(statement, setBased != null ? setBased.of(raw, sql) : null);
        InvocationHandler h = (proxy, m, args) -> slot.invoke(m, args);
        return (PreparedStatement) Proxy.newProxyInstance(
                PreparedStatement.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, h);
    }

    private @Nullable Object onConnection(Object proxy, Method m, Object @Nullable [] args) throws Throwable {
        String name = m.getName();
        if (name.equals("hashCode") || name.equals("equals") || name.equals("toString")) {
            return invoke(raw, m, args);
        }
        flush();
        Object result = invoke(raw, m, args);
        if (result instanceof Statement s) {
            return flushing(s);
        }
        return result;
    }

    /** A statement made from the connection: every call first sends what is queued. */
    private Statement flushing(Statement s) {
        Class<?> type = s instanceof CallableStatement
                ? CallableStatement.class
                : s instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
        InvocationHandler h = (proxy, m, args) -> {
            if (LOCAL.contains(m.getName())) {
                await();
            } else {
                flush();
            }
            return invoke(s, m, args);
        };
        return (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {type}, h);
    }

    private static @Nullable Object invoke(Object target, Method m, Object @Nullable [] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
