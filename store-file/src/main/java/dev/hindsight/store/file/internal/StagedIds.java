package dev.hindsight.store.file.internal;

import java.util.UUID;

/**
 * Event id → position for the events staged in the group-commit batch being built, so that a retry of an append
 * staged earlier in the same batch is recognized. Primitive open addressing like {@link UuidIndex}; {@link #clear}
 * costs one write per entry, not per slot. Replaces a {@code HashMap<UUID, RecordedEvent>} that built an event object
 * per staged event (a fifth of the writer's time in the profile). Not thread-safe: writer thread only.
 */
final class StagedIds {
    private long[] msb;
    private long[] lsb;
    private long[] pos;
    private int[] used;
    private int size;
    private int mask;

    StagedIds() {
        allocate(1 << 12);
    }

    private void allocate(int capacity) {
        msb = new long[capacity];
        lsb = new long[capacity];
        pos = new long[capacity];
        used = new int[capacity / 2];
        mask = capacity - 1;
        size = 0;
    }

    /** The staged position of {@code id}, or 0. */
    long get(UUID id) {
        long m = id.getMostSignificantBits();
        long l = id.getLeastSignificantBits();
        for (int i = slot(m, l); pos[i] != 0; i = (i + 1) & mask) {
            if (msb[i] == m && lsb[i] == l) {
                return pos[i];
            }
        }
        return 0;
    }

    /** Stages {@code id} at {@code position} (> 0); an id is staged at most once per batch. */
    void put(UUID id, long position) {
        if (size == used.length) {
            grow();
        }
        insert(id.getMostSignificantBits(), id.getLeastSignificantBits(), position);
    }

    /** Forgets every entry. */
    void clear() {
        for (int k = 0; k < size; k++) {
            pos[used[k]] = 0;
        }
        size = 0;
    }

    private void insert(long m, long l, long p) {
        int i = slot(m, l);
        while (pos[i] != 0) {
            i = (i + 1) & mask;
        }
        msb[i] = m;
        lsb[i] = l;
        pos[i] = p;
        used[size++] = i;
    }

    private void grow() {
        long[] om = msb;
        long[] ol = lsb;
        long[] op = pos;
        int[] ou = used;
        int n = size;
        allocate(om.length * 2);
        for (int k = 0; k < n; k++) {
            insert(om[ou[k]], ol[ou[k]], op[ou[k]]);
        }
    }

    private int slot(long m, long l) {
        long h = m * 0x9E3779B97F4A7C15L ^ l;
        h ^= h >>> 32;
        return (int) h & mask;
    }
}
