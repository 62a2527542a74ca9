package dev.hindsight.relay.rabbitmq.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the few AMQP 1.0 types (OASIS AMQP 1.0, part 1 "Types") a relayed message needs, each in one fixed encoding:
 * {@code null}, {@code ubyte}, {@code long}, {@code timestamp}, {@code string}, {@code symbol}, {@code binary}, and
 * the compound {@code list} and {@code map} (their 32-bit forms, sizes patched in when they end), plus the section
 * descriptors of part 3 "Messaging". Not thread-safe.
 */
final class Amqp10Writer {
    private static final byte DESCRIBED = 0x00;
    private static final byte SMALL_ULONG = 0x53;
    private static final byte NULL = 0x40;
    private static final byte UBYTE = 0x50;
    private static final byte LONG = (byte) 0x81;
    private static final byte TIMESTAMP = (byte) 0x83;
    private static final byte VBIN8 = (byte) 0xa0;
    private static final byte STR8 = (byte) 0xa1;
    private static final byte SYM8 = (byte) 0xa3;
    private static final byte VBIN32 = (byte) 0xb0;
    private static final byte STR32 = (byte) 0xb1;
    private static final byte SYM32 = (byte) 0xb3;
    private static final byte LIST32 = (byte) 0xd0;
    private static final byte MAP32 = (byte) 0xd1;

    private byte[] buf;
    private int size;

    Amqp10Writer(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    /** Starts a section: the descriptor (a {@code smallulong} code, 0x70-0x78 in part 3) of the value that follows. */
    Amqp10Writer section(int descriptor) {
        return put(DESCRIBED).put(SMALL_ULONG).put((byte) descriptor);
    }

    Amqp10Writer nul() {
        return put(NULL);
    }

    Amqp10Writer ubyte(int v) {
        return put(UBYTE).put((byte) v);
    }

    Amqp10Writer int64(long v) {
        return put(LONG).putLong(v);
    }

    /** A timestamp: milliseconds since the epoch. */
    Amqp10Writer timestamp(long epochMillis) {
        return put(TIMESTAMP).putLong(epochMillis);
    }

    Amqp10Writer string(String s) {
        return variable(STR8, STR32, s.getBytes(StandardCharsets.UTF_8));
    }

    Amqp10Writer symbol(String s) {
        return variable(SYM8, SYM32, s.getBytes(StandardCharsets.US_ASCII));
    }

    Amqp10Writer binary(byte[] b) {
        return variable(VBIN8, VBIN32, b);
    }

    /** Starts a list of {@code count} elements; write them, then {@link #end(int)} with the returned mark. */
    int list(int count) {
        return compound(LIST32, count);
    }

    /** Starts a map of {@code entries} key-value pairs; write them, then {@link #end(int)} with the returned mark. */
    int map(int entries) {
        return compound(MAP32, 2 * entries);
    }

    /** Ends the list or map started at {@code mark}: patches its size (the bytes after the size field). */
    void end(int mark) {
        int n = size - mark - 4;
        buf[mark] = (byte) (n >>> 24);
        buf[mark + 1] = (byte) (n >>> 16);
        buf[mark + 2] = (byte) (n >>> 8);
        buf[mark + 3] = (byte) n;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private int compound(byte code, int count) {
        put(code);
        int mark = size;
        putInt(0); // the size, patched by end()
        putInt(count);
        return mark;
    }

    private Amqp10Writer variable(byte code8, byte code32, byte[] b) {
        if (b.length <= 255) {
            put(code8).put((byte) b.length);
        } else {
            put(code32).putInt(b.length);
        }
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    private Amqp10Writer put(byte b) {
        ensure(1);
        buf[size++] = b;
        return this;
    }

    private Amqp10Writer putInt(int v) {
        return put((byte) (v >>> 24))
                .put((byte) (v >>> 16))
                .put((byte) (v >>> 8))
                .put((byte) v);
    }

    private Amqp10Writer putLong(long v) {
        return putInt((int) (v >>> 32)).putInt((int) v);
    }

    private void ensure(int n) {
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }
}
