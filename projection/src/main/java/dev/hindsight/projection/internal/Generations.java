package dev.hindsight.projection.internal;

import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.projection.ReadModelDatabase;
import dev.hindsight.projection.SqlQuery;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which generation of each projection's tables is live, and the queries running on each: a generation replaced by a
 * rebuild is dropped only after the last query that started on it has finished. Thread-safe: the live generations are
 * a concurrent map, switched under {@link #lock}, which also guards the counts of running queries and
 * the pending drops.
 */
public final class Generations {
    // The engine's logger, so that operators see one logger for start, rebuild and switch.
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionEngine.class);

    private final ReadModelDatabase db;
    private final Readers readers;
    private final Map<String, Long> active = new ConcurrentHashMap<>();
    /** Guards {@link #queries} and {@link #pendingDrop}, and the switch of {@link #active}. */
    private final Object lock = new Object();

    private final Map<String, Integer> queries = new HashMap<>();
    private final Set<String> pendingDrop = new HashSet<>();

    /**
     * @param db the read model, for dropping generations
     * @param readers its reader pool, for queries
     */
    public Generations(ReadModelDatabase db, Readers readers) {
        this.db = db;
        this.readers = readers;
    }

    /** The live generation of a started projection. */
    public long active(String name) {
        return active.get(name);
    }

    /** Whether a live generation of {@code name} is known. */
    public boolean has(String name) {
        return active.containsKey(name);
    }

    /** Records the generation a projection starts on, before its runner starts. */
    public void started(String name, long generation) {
        active.put(name, generation);
    }

    /**
     * Runs a query against the live generation of {@code p}'s tables, on a pooled reader connection. If a switch has
     * replaced that generation meanwhile and this is its last query, drops it afterwards.
     *
     * @throws StoreUnavailableException if the query fails with an {@link SQLException}
     */
    public <T> T query(Projection p, SqlQuery<T> query) {
        long gen;
        synchronized (lock) {
            gen = active.get(p.name());
            queries.merge(key(p.name(), gen), 1, Integer::sum);
        }
        Connection c = null;
        boolean broken = false;
        try {
            c = readers.borrow();
            try (SessionImpl s = SessionImpl.ofGeneration(c, db.dialect(), p, gen)) {
                return query.run(s);
            }
        } catch (SQLException e) {
            broken = true;
            throw new StoreUnavailableException("read-model query failed: " + e.getMessage(), e);
        } finally {
            if (c != null) {
                readers.release(c, broken);
            }
            boolean drop;
            synchronized (lock) {
                String k = key(p.name(), gen);
                int left = queries.merge(k, -1, Integer::sum);
                if (left == 0) {
                    queries.remove(k);
                }
                drop = left == 0 && pendingDrop.remove(k);
            }
            if (drop) {
                drop(p, gen);
            }
        }
    }

    /**
     * Makes {@code next} the live generation of {@code name} in place of {@code old} (whose switch in the catalog has
     * been committed).
     *
     * @return whether {@code old} has no queries and may be dropped now; if not, its last query drops it
     */
    public boolean switchTo(String name, long old, long next) {
        synchronized (lock) {
            active.put(name, next);
            boolean dropNow = !queries.containsKey(key(name, old));
            if (!dropNow) {
                pendingDrop.add(key(name, old));
            }
            return dropNow;
        }
    }

    private static String key(String name, long generation) {
        return name + "#" + generation;
    }

    /** Drops a generation's tables and catalog rows in one transaction; a failure is logged and the tables stay. */
    public void drop(Projection p, long generation) {
        try (Connection c = db.openWriter()) {
            ReadModelDatabase.inTransaction(c, () -> {
                dropTables(c, p, generation);
                Catalog.forget(c, p.name(), generation);
            });
            LOG.info("dropped generation {} of projection {}", generation, p.name());
        } catch (SQLException e) {
            LOG.warn("could not drop generation {} of projection {}; its tables stay", generation, p.name(), e);
        }
    }

    /** Drops the tables of one generation of {@code p}, those that exist. */
    public static void dropTables(Connection c, Projection p, long generation) throws SQLException {
        dropTables(c, p, SessionImpl.generationSuffix(generation));
    }

    /** Drops {@code p}'s tables named with {@code suffix}, those that exist. */
    public static void dropTables(Connection c, Projection p, String suffix) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String t : p.tables()) {
                s.execute("DROP TABLE IF EXISTS " + t + suffix);
            }
        }
    }
}
