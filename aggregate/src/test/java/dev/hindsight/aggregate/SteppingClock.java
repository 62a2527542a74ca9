package dev.hindsight.aggregate;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves one second forward on every read, from a fixed start. */
final class SteppingClock extends Clock {
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicLong ticks = new AtomicLong();

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return START.plusSeconds(ticks.getAndIncrement());
    }
}
