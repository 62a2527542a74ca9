package dev.hindsight.projection.internal;

/**
 * Kill switches for the write-path optimisations, read when a runner or build starts (system properties, default
 * on): {@code hindsight.projection.batchWrites} ({@link DeferredWrites}) and {@code hindsight.projection.fastBuild}
 * ({@link FastBuild}). Off restores one statement per round trip and fully logged, indexed builds — for a handler that
 * needs update counts, and for measuring the baseline. Stateless, thread-safe.
 */
public final class Switches {
    private Switches() {}

    public static boolean batchWrites() {
        return !"false".equals(System.getProperty("hindsight.projection.batchWrites"));
    }

    public static boolean fastBuild() {
        return !"false".equals(System.getProperty("hindsight.projection.fastBuild"));
    }
}
