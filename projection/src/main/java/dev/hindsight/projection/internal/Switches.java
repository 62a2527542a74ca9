package dev.hindsight.projection.internal;

/**
 * Kill switches for the write-path optimisations, read when a runner or build starts (system properties, default
 * on): {@code hindsight.projection.batchWrites} ({@link DeferredWrites}) and {@code hindsight.projection.fastBuild}
 * ({@link FastBuild}). Off restores one statement per round trip and fully logged, indexed builds — for a handler that
 * needs update counts, and for measuring the baseline. Also the live runner's page linger ({@link #pageLingerMillis}).
 * Stateless, thread-safe.
 */
public final class Switches {
    private Switches() {}

    public static boolean batchWrites() {
        return !"false".equals(System.getProperty("hindsight.projection.batchWrites"));
    }

    /**
     * How long a live runner waits after a wake-up before it reads ({@code hindsight.projection.pageLingerMs}, 0 to 50;
     * default 5 on a PostgreSQL read model, 0 on SQLite). On PostgreSQL each page costs a read of the log, a read-model
     * transaction and a look at the head, whatever its size; at the seed's rate a runner woken per commit read one
     * or two events per page (docs/benchmarks.md, session 17). The linger adds at most its length to the lag.
     */
    public static long pageLingerMillis(dev.hindsight.projection.Dialect dialect) {
        String v = System.getProperty("hindsight.projection.pageLingerMs");
        if (v == null || v.isBlank()) {
            return dialect == dev.hindsight.projection.Dialect.POSTGRES ? 5 : 0;
        }
        try {
            return Math.clamp(Long.parseLong(v.trim()), 0, 50);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "hindsight.projection.pageLingerMs must be a number of ms, was '" + v + "'");
        }
    }

    public static boolean fastBuild() {
        return !"false".equals(System.getProperty("hindsight.projection.fastBuild"));
    }
}
