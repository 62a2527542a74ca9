package dev.hindsight.core.internal;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Random (version 4) UUIDs, as {@link UUID#randomUUID()} makes them, from the same kind of generator (the platform's
 * default {@link SecureRandom}), but drawn 256 at a time: {@code UUID.randomUUID()} takes the one JVM-wide generator's
 * lock and reads the OS entropy source for every id, which serializes all appenders (9 % of their time in the
 * profile of the append benchmark). Here one lock is held for a few array reads per id and the generator is asked
 * for 4 KiB once per 256 ids. The ids stay unpredictable, which matters because they are idempotency keys.
 * Thread-safe.
 */
public final class RandomUuids implements Supplier<UUID> {
    private static final int PER_REFILL = 256;

    private final SecureRandom random = new SecureRandom();
    private final ReentrantLock lock = new ReentrantLock();
    private final long[] bits = new long[2 * PER_REFILL]; // guarded by lock
    private final byte[] bytes = new byte[16 * PER_REFILL]; // guarded by lock
    private int next = bits.length; // guarded by lock

    @Override
    public UUID get() {
        long msb;
        long lsb;
        lock.lock();
        try {
            if (next == bits.length) {
                refill();
            }
            msb = bits[next];
            lsb = bits[next + 1];
            next += 2;
        } finally {
            lock.unlock();
        }
        // the version and variant bits, exactly as UUID.randomUUID() sets them
        msb = (msb & ~0xF000L) | 0x4000L;
        lsb = (lsb & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    private void refill() {
        random.nextBytes(bytes);
        ByteBuffer.wrap(bytes).asLongBuffer().get(bits);
        next = 0;
    }
}
