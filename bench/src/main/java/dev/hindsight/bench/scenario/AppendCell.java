package dev.hindsight.bench.scenario;

import java.util.Locale;

/**
 * One engine configuration of the append scenario.
 *
 * @param appenders concurrent appending threads
 * @param batch events per append
 * @param aggregates which aggregates the appenders write to
 * @param threads virtual or platform appender threads
 */
public record AppendCell(int appenders, int batch, Aggregates aggregates, ThreadKind threads) {

    /** Where appenders write. */
    public enum Aggregates {
        /** Each appender its own aggregate, with an exact expected version (optimistic concurrency every time). */
        OWN,
        /** A random one of the shared pool per append, expected version {@code any}. */
        RANDOM
    }

    /** Appender thread kind. */
    public enum ThreadKind {
        VIRTUAL,
        PLATFORM;

        Thread.Builder builder() {
            return this == VIRTUAL ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true);
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AppendCell {
        if (appenders < 1 || batch < 1) {
            throw new IllegalArgumentException("appenders and batch must be >= 1");
        }
    }

    /** Human label, e.g. {@code 64 appenders × 1 event, own aggregates, virtual}. */
    public String label() {
        return appenders + " × " + batch + (batch == 1 ? " event" : " events") + ", "
                + aggregates.name().toLowerCase(Locale.ROOT) + ", " + threads.label();
    }

    /** File-name-safe name. */
    String slug() {
        return appenders + "x" + batch + "-" + aggregates.name().toLowerCase(Locale.ROOT) + "-" + threads.label();
    }
}
