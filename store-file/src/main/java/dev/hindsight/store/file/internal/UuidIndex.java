package dev.hindsight.store.file.internal;

import java.util.UUID;

/**
 * Event id → position, an open-addressing hash table of primitive longs (24 bytes per slot, no objects per entry).
 * Not thread-safe: owned by the writer thread (and by recovery before the writer starts).
 */
final class UuidIndex {
    private long[] msb;
    private long[] lsb;
    private long[] pos;
    private int size;
    private int mask;

    UuidIndex() {
        allocate(1 << 16);
    }

    private void allocate(int capacity) {
        msb = new long[capacity];
        lsb = new long[capacity];
        pos = new long[capacity];
        mask = capacity - 1;
        size = 0;
    }

    /** The position stored for {@code id}, or 0 if absent. */
    long get(UUID id) {
        long m = id.getMostSignificantBits();
        long l = id.getLeastSignificantBits();
        int i = slot(m, l);
        while (pos[i] != 0) {
            if (msb[i] == m && lsb[i] == l) {
                return pos[i];
            }
            i = (i + 1) & mask;
        }
        return 0;
    }

    /** Adds {@code id} at {@code position} (> 0); ids are unique by construction. */
    void put(UUID id, long position) {
        if ((size + 1) * 2L > msb.length) {
            grow();
        }
        insert(id.getMostSignificantBits(), id.getLeastSignificantBits(), position);
    }

    int size() {
        return size;
    }

    /** Receives one entry of {@link #forEach}. */
    interface EntryConsumer {
        void accept(long msb, long lsb, long position) throws java.io.IOException;
    }

    /** Visits every entry. */
    void forEach(EntryConsumer consumer) throws java.io.IOException {
        for (int i = 0; i < pos.length; i++) {
            if (pos[i] != 0) {
                consumer.accept(msb[i], lsb[i], pos[i]);
            }
        }
    }

    /** Adds an entry by its parts (loading a checkpoint). */
    void put(long m, long l, long position) {
        if ((size + 1) * 2L > msb.length) {
            grow();
        }
        insert(m, l, position);
    }

    private void insert(long m, long l, long p) {
        int i = slot(m, l);
        while (pos[i] != 0) {
            if (msb[i] == m && lsb[i] == l) {
                pos[i] = p;
                return;
            }
            i = (i + 1) & mask;
        }
        msb[i] = m;
        lsb[i] = l;
        pos[i] = p;
        size++;
    }

    private void grow() {
        long[] om = msb;
        long[] ol = lsb;
        long[] op = pos;
        allocate(om.length * 2);
        for (int i = 0; i < om.length; i++) {
            if (op[i] != 0) {
                insert(om[i], ol[i], op[i]);
            }
        }
    }

    private int slot(long m, long l) {
        long h = m * 0x9E3779B97F4A7C15L ^ l;
        h ^= h >>> 32;
        return (int) h & mask;
    }
}
