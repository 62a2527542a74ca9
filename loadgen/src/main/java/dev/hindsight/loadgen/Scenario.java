package dev.hindsight.loadgen;

import java.util.Currency;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The seed's scenario: orders arriving evenly at {@code ordersPerDay} (100,000 by default: 1.16 a second) from a
 * customer base of {@code users}, in USD (80%), EUR (15%) and JPY (5%), each with its own lifecycle
 * ({@link OrderRun}). Everything but the order ids follows from the seed; the ids are unique per run, so that runs can
 * be repeated against the same store. Thread-safe (immutable).
 */
final class Scenario {
    private static final Currency USD = Currency.getInstance("USD");
    private static final Currency EUR = Currency.getInstance("EUR");
    private static final Currency JPY = Currency.getInstance("JPY");
    private static final long DAY_MICROS = 86_400_000_000L;

    private final long seed;
    private final int users;
    private final long ordersPerDay;
    private final long runNonce;

    Scenario(long seed, int users, long ordersPerDay, long runNonce) {
        if (users < 1 || ordersPerDay < 1) {
            throw new IllegalArgumentException("users and ordersPerDay must be >= 1");
        }
        this.seed = seed;
        this.users = users;
        this.ordersPerDay = ordersPerDay;
        this.runNonce = runNonce;
    }

    long ordersPerDay() {
        return ordersPerDay;
    }

    /** Simulated microseconds between two order arrivals. */
    long interArrivalMicros() {
        return Math.max(1, DAY_MICROS / ordersPerDay);
    }

    /** The {@code index}-th order of the run. */
    OrderRun order(long index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        String user = "user_" + r.nextInt(users);
        double c = r.nextDouble();
        Currency currency = c < 0.80 ? USD : c < 0.95 ? EUR : JPY;
        String id = "ord_" + new UUID(runNonce, index);
        return new OrderRun(index, id, user, currency, r);
    }
}
