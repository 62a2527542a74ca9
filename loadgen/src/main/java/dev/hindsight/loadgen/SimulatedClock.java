package dev.hindsight.loadgen;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated time for the order service: it stands still until the generator moves it forward to the next scheduled
 * command, and never goes back, so every order's events get non-decreasing business timestamps however the commands
 * interleave. Microsecond resolution (what the order service keeps). Thread-safe.
 */
final class SimulatedClock extends Clock {
    private final AtomicLong micros;

    SimulatedClock(Instant start) {
        this.micros = new AtomicLong(ChronoUnit.MICROS.between(Instant.EPOCH, start));
    }

    /** Moves the clock to {@code t} (microseconds since the epoch) unless it is already later; returns the time. */
    long advanceTo(long t) {
        return micros.accumulateAndGet(t, Math::max);
    }

    /** Now, in microseconds since the epoch. */
    long nowMicros() {
        return micros.get();
    }

    static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    @Override
    public Instant instant() {
        return instant(micros.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the simulated clock is UTC only");
    }
}
