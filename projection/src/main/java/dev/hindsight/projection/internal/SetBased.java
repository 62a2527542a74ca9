package dev.hindsight.projection.internal;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One PostgreSQL statement for a whole batch of executions of a simple {@code UPDATE} or {@code INSERT}: the
 * parameters of all executions go over as arrays and are joined in with {@code unnest}, so the server runs one
 * statement instead of one per row (several times cheaper per row than even a pipelined JDBC batch).
 *
 * <p>Only where the result is the same as running the executions one by one, in order:
 * <ul>
 *   <li>{@code UPDATE t SET ... WHERE a AND b ...} whose WHERE conjuncts include {@code col = ?} for every column of a
 *       unique, non-partial index of {@code t}, when no two executions have equal values for them: each execution
 *       then touches at most one row and no row is touched twice, so order does not matter.</li>
 *   <li>{@code INSERT INTO t (cols) VALUES (...)} — with {@code ON CONFLICT (cols) DO ...} only when the values for
 *       the conflict columns are plain parameters and no two executions have equal values for them.</li>
 * </ul>
 * Anything else — quotes, comments, subqueries, {@code RETURNING}, {@code OR}, parentheses in the WHERE clause,
 * parameter types other than numbers, strings and booleans, equal keys — runs as an ordinary JDBC batch. Row-level
 * triggers on read-model tables would see the same rows; statement-level triggers would fire once per batch.
 * Immutable, thread-safe.
 */
final class SetBased {
    /** A parameter bound with {@code setNull}. */
    record Null(int sqlType) {}

    /** A parameter not bound yet. */
    static final Object UNSET = new Object();

    private static final Pattern UNSAFE = Pattern.compile(
            "['\"$;]|--|/\\*|\\?[?|&-]" + "|\\b(?i:select|returning|with|from|using|current|or|between)\\b");
    private static final Pattern UPDATE =
            Pattern.compile("(?is)\\s*update\\s+([a-z_][a-z0-9_]*)\\s+set\\s+(.+?)\\s+where\\s+(.+?)\\s*");
    private static final Pattern INSERT = Pattern.compile("(?is)\\s*insert\\s+into\\s+([a-z_][a-z0-9_]*)\\s*"
            + "\\(([^()]*)\\)\\s*values\\s*\\((.*?)\\)\\s*(on\\s+conflict\\s*\\(([^()]*)\\)\\s*do\\s+.*)?");
    private static final Pattern KEY = Pattern.compile("(?i)\\s*([a-z_][a-z0-9_]*)\\s*=\\s*\\?\\s*");
    private static final String V = "hindsight_v";

    private final String before;
    private final String after;
    private final int params;
    private final int[] keys;

    private SetBased(String before, String after, int params, int[] keys) {
        this.before = before;
        this.after = after;
        this.params = params;
        this.keys = keys;
    }

    /**
     * The set-based forms of the statements of one read-model database, each worked out once (with a catalog query for
     * an {@code UPDATE}) and kept for the life of the owner: a session per inline append otherwise asked the catalog
     * again for every statement of every append. A statement names its generation's tables, so a new generation's are
     * new entries. Thread-safe.
     */
    static final class Analyses {
        /** Most statements kept; beyond it each is worked out anew (handlers that build SQL per event). */
        private static final int MAX = 4096;

        private final Map<String, Optional<SetBased>> bySql = new ConcurrentHashMap<>();

        /** {@link SetBased#of}, remembered. */
        @Nullable
        SetBased of(Connection c, String sql) throws SQLException {
            Optional<SetBased> known = bySql.get(sql);
            if (known == null) {
                known = Optional.ofNullable(SetBased.of(c, sql));
                if (bySql.size() < MAX) {
                    bySql.put(sql, known);
                }
            }
            return known.orElse(null);
        }
    }

    /** The set-based form of {@code sql}, or {@code null} if it has none. */
    static @Nullable SetBased of(Connection c, String sql) throws SQLException {
        if (UNSAFE.matcher(sql).find()) {
            return null;
        }
        int params = count(sql);
        if (params == 0) {
            return null;
        }
        Matcher u = UPDATE.matcher(sql);
        if (u.matches()) {
            return update(c, u.group(1), u.group(2), u.group(3), params);
        }
        Matcher i = INSERT.matcher(sql);
        if (i.matches()) {
            return insert(i.group(1), i.group(2), i.group(3), i.group(4), i.group(5), params);
        }
        return null;
    }

    private static @Nullable SetBased update(Connection c, String table, String set, String where, int params)
            throws SQLException {
        if (where.contains("(")
                || where.contains(")")
                || where.toLowerCase(Locale.ROOT).contains("case")) {
            return null;
        }
        int before = count(set);
        List<String> keyColumns = new ArrayList<>();
        List<Integer> keyParams = new ArrayList<>();
        for (String conjunct : where.split("(?i)\\band\\b")) {
            Matcher k = KEY.matcher(conjunct);
            if (k.matches()) {
                keyColumns.add(k.group(1).toLowerCase(Locale.ROOT));
                keyParams.add(before);
            }
            before += count(conjunct);
        }
        if (!uniqueKey(c, table, keyColumns)) {
            return null;
        }
        return new SetBased(
                "UPDATE " + table + " SET " + parameters(set, 0) + " FROM ",
                " WHERE " + parameters(where, count(set)),
                params,
                keyParams.stream().mapToInt(Integer::intValue).toArray());
    }

    private static @Nullable SetBased insert(
            String table,
            String columns,
            String values,
            @Nullable String conflict,
            @Nullable String conflictColumns,
            int params) {
        int depth = 0;
        for (int i = 0; i < values.length(); i++) {
            depth += values.charAt(i) == '(' ? 1 : values.charAt(i) == ')' ? -1 : 0;
            if (depth < 0) {
                return null;
            }
        }
        if (depth != 0) {
            return null;
        }
        int[] keys = new int[0];
        if (conflict != null && conflictColumns != null) {
            List<String> cols = split(columns);
            List<String> vals = split(values);
            if (cols.size() != vals.size()) {
                return null;
            }
            List<String> targets = split(conflictColumns);
            keys = new int[targets.size()];
            for (int t = 0; t < targets.size(); t++) {
                int at = cols.indexOf(targets.get(t));
                if (at < 0 || !vals.get(at).equals("?")) {
                    return null;
                }
                int index = 0;
                for (int v = 0; v < at; v++) {
                    index += count(vals.get(v));
                }
                keys[t] = index;
            }
        }
        int valueParams = count(values);
        return new SetBased(
                "INSERT INTO " + table + " (" + columns + ") SELECT " + parameters(values, 0) + " FROM ",
                conflict == null ? "" : " " + parameters(conflict, valueParams),
                params,
                keys);
    }

    /** Whether {@code columns} include every column of a unique, non-partial, non-expression index of the table. */
    private static boolean uniqueKey(Connection c, String table, List<String> columns) throws SQLException {
        if (columns.isEmpty()) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT bool_and(a.attname = ANY (?)) FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL"
                + " AND i.indexprs IS NULL GROUP BY i.indexrelid")) {
            ps.setArray(1, c.createArrayOf("text", columns.toArray()));
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(1)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    int parameterCount() {
        return params;
    }

    /**
     * Whether these executions can run as one statement (keys distinct, every parameter typed). A single execution
     * fits too: sent with other groups ({@link #executeAll}) it costs no round trip of its own.
     */
    boolean fits(List<Object[]> rows) {
        if (rows.isEmpty() || types(rows) == null) {
            return false;
        }
        if (keys.length == 0) {
            return true;
        }
        Set<List<Object>> seen = new HashSet<>();
        for (Object[] row : rows) {
            List<Object> key = new ArrayList<>(keys.length);
            for (int k : keys) {
                key.add(row[k]);
            }
            if (!seen.add(key)) {
                return false;
            }
        }
        return true;
    }

    /** Executions of one statement whose set-based form {@link #fits} them, to be sent with others. */
    record Rows(SetBased plan, List<Object[]> rows) {}

    /** Runs the executions as one statement; {@link #fits} must hold. */
    void execute(Connection c, List<Object[]> rows, Map<String, PreparedStatement> cache) throws SQLException {
        executeAll(c, List.of(new Rows(this, rows)), cache);
    }

    /**
     * Runs several groups of executions, each as one set-based statement, in order, in one round trip: the statements
     * go to the server as one multi-statement text (parsed, bound and executed one after the other, then one sync), so
     * the transaction waits for the client once instead of once per statement. Each group must {@link #fits fit}.
     * Statements are cached in {@code cache} by their text.
     */
    static void executeAll(Connection c, List<Rows> groups, Map<String, PreparedStatement> cache) throws SQLException {
        executeAll(c, groups, cache, false);
    }

    /**
     * {@link #executeAll(Connection, List, Map)}, and with {@code commit} a {@code COMMIT} of the connection's
     * transaction as the text's last statement: the transaction ends in the same round trip as its last writes instead
     * of idling until the client's next message. If any statement fails, the server skips the rest up to the sync
     * (the COMMIT included) and the transaction stays open, failed, for the caller to roll back; if the COMMIT itself
     * fails, the server has rolled the transaction back. Either way the caller sees the exception. After a successful
     * one the connection is idle, so the driver's own commit ({@code setAutoCommit(true)}, {@code commit()}) sends
     * nothing.
     */
    static void executeAll(Connection c, List<Rows> groups, Map<String, PreparedStatement> cache, boolean commit)
            throws SQLException {
        StringBuilder sql = new StringBuilder();
        List<String[]> types = new ArrayList<>(groups.size());
        for (Rows g : groups) {
            String[] t = g.plan().types(g.rows());
            if (t == null) {
                throw new IllegalStateException("untyped parameters");
            }
            types.add(t);
            sql.append(sql.isEmpty() ? "" : ";\n").append(g.plan().text(t));
        }
        if (commit) {
            sql.append(";\nCOMMIT");
        }
        String text = sql.toString();
        PreparedStatement ps = cache.get(text);
        if (ps == null) {
            ps = c.prepareStatement(text);
            cache.put(text, ps);
        }
        int at = 1;
        for (int g = 0; g < groups.size(); g++) {
            SetBased plan = groups.get(g).plan();
            List<Object[]> rows = groups.get(g).rows();
            String[] t = types.get(g);
            for (int p = 0; p < plan.params; p++) {
                Object[] column = new Object[rows.size()];
                for (int r = 0; r < rows.size(); r++) {
                    Object v = rows.get(r)[p];
                    column[r] = v instanceof Null ? null : v;
                }
                ps.setArray(at++, c.createArrayOf(t[p], column));
            }
        }
        ps.execute();
    }

    /** The statement for parameters of these element types. */
    private String text(String[] types) {
        StringBuilder sql = new StringBuilder(before).append("unnest(");
        for (int p = 0; p < params; p++) {
            sql.append(p == 0 ? "" : ", ").append("?::").append(types[p]).append("[]");
        }
        sql.append(") AS ").append(V).append("(");
        for (int p = 0; p < params; p++) {
            sql.append(p == 0 ? "" : ", ").append(V).append("_p").append(p + 1);
        }
        return sql.append(")").append(after).toString();
    }

    /** The PostgreSQL array element type of each parameter, or {@code null} if one has none (or mixed ones). */
    private String @Nullable [] types(List<Object[]> rows) {
        String[] out = new String[params];
        for (int p = 0; p < params; p++) {
            String type = null;
            String nullType = null;
            for (Object[] row : rows) {
                Object v = row[p];
                String t;
                if (v == UNSET) {
                    return null;
                } else if (v instanceof Null n) {
                    nullType = nullType == null ? type(n.sqlType()) : nullType;
                    if (nullType == null) {
                        return null;
                    }
                    continue;
                } else {
                    t = type(v);
                }
                if (t == null || (type != null && !type.equals(t))) {
                    return null;
                }
                type = t;
            }
            out[p] = type != null ? type : nullType;
            if (out[p] == null) {
                return null;
            }
        }
        return out;
    }

    private static @Nullable String type(Object v) {
        return switch (v) {
            case Long l -> "int8";
            case Integer i -> "int4";
            case Short s -> "int2";
            case String s -> "text";
            case Boolean b -> "bool";
            case Double d -> "float8";
            case Float f -> "float4";
            case BigDecimal b -> "numeric";
            default -> null;
        };
    }

    private static @Nullable String type(int sqlType) {
        return switch (sqlType) {
            case Types.BIGINT -> "int8";
            case Types.INTEGER -> "int4";
            case Types.SMALLINT -> "int2";
            case Types.VARCHAR, Types.CHAR, Types.LONGVARCHAR, Types.NVARCHAR -> "text";
            case Types.BOOLEAN, Types.BIT -> "bool";
            case Types.DOUBLE -> "float8";
            case Types.REAL, Types.FLOAT -> "float4";
            case Types.NUMERIC, Types.DECIMAL -> "numeric";
            default -> null;
        };
    }

    private static int count(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '?') {
                n++;
            }
        }
        return n;
    }

    /** {@code s} with its parameters replaced by the unnested columns, numbered from {@code first + 1}. */
    private static String parameters(String s, int first) {
        StringBuilder out = new StringBuilder();
        int n = first;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '?') {
                out.append(V).append('.').append(V).append("_p").append(++n);
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    /** Splits a comma-separated list at top level (not inside parentheses), trimmed and lower-cased. */
    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder item = new StringBuilder();
        for (int i = 0; i < list.length(); i++) {
            char ch = list.charAt(i);
            if (ch == ',' && depth == 0) {
                out.add(item.toString().trim().toLowerCase(Locale.ROOT));
                item.setLength(0);
                continue;
            }
            depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
            item.append(ch);
        }
        out.add(item.toString().trim().toLowerCase(Locale.ROOT));
        return out;
    }
}
