package dev.hindsight.testkit.clock;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/** A UTC clock that shows whatever instant it was last set to. Thread-safe. */
public final class SettableClock extends UtcClock {
    private final AtomicReference<Instant> now;

    public SettableClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    public void set(Instant instant) {
        now.set(instant);
    }

    @Override
    public Instant instant() {
        return now.get();
    }
}
