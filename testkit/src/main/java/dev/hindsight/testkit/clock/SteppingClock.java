package dev.hindsight.testkit.clock;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A UTC clock that moves {@code stepMillis} forward on every read, from {@link #START}. Thread-safe. */
public final class SteppingClock extends UtcClock {
    public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicLong ticks = new AtomicLong();
    private final long stepMillis;

    /** One second a read. */
    public SteppingClock() {
        this(1000);
    }

    public SteppingClock(long stepMillis) {
        this.stepMillis = stepMillis;
    }

    @Override
    public Instant instant() {
        return START.plusMillis(stepMillis * ticks.getAndIncrement());
    }
}
