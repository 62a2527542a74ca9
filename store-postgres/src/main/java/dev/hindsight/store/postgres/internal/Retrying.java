package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.StoreUnavailableException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an idempotent database operation, retrying after retryable failures ({@link SqlErrors#isRetryable}) with
 * exponential backoff until a deadline, then translating the last failure. Thread-safe (stateless per call).
 */
public final class Retrying {
    private static final Logger LOG = LoggerFactory.getLogger(Retrying.class);
    private static final long FIRST_BACKOFF_MS = 20;
    private static final long MAX_BACKOFF_MS = 500;

    /** A database operation. */
    @FunctionalInterface
    public interface Op<T> {
        T run() throws SQLException;
    }

    private final Duration retryFor;
    private final BooleanSupplier closed;

    public Retrying(Duration retryFor, BooleanSupplier closed) {
        this.retryFor = retryFor;
        this.closed = closed;
    }

    /**
     * Runs {@code op}, retrying it while it fails with retryable errors for up to the configured time.
     *
     * @throws StoreUnavailableException if it still fails when time is up (or with a non-retryable error)
     * @throws StoreClosedException if the store closes meanwhile
     */
    public <T> T run(String operation, Op<T> op) {
        long deadline = System.nanoTime() + retryFor.toNanos();
        long backoff = FIRST_BACKOFF_MS;
        for (int attempt = 1; ; attempt++) {
            if (attempt > 1 && closed.getAsBoolean()) {
                throw new StoreClosedException("the store is closed");
            }
            try {
                return op.run();
            } catch (SQLException e) {
                if (!SqlErrors.isRetryable(e) || System.nanoTime() + backoff * 1_000_000 - deadline > 0) {
                    throw SqlErrors.translate(operation, e);
                }
                LOG.debug("{} failed (attempt {}), retrying in {} ms: {}", operation, attempt, backoff, e.toString());
                sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting to retry", e);
        }
    }
}
