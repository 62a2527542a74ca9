package dev.hindsight.store.file.internal;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Event id → position for the events of one segment (the active one, or a sealed one until its index run is
 * written), an open-addressing hash table of primitive longs (24 bytes per slot in one array, no objects per entry).
 * It grows incrementally: a full table is kept as the "old" one next to a table twice its size, and every later
 * insertion moves a few of its slots over, so no single append pays for rehashing millions of ids (a stop-the-world
 * rehash cost the writer 40 ms at 2^19 ids and doubles with every growth). Lookups check the new table, then the old
 * one. Not thread-safe: owned by the writer thread (and by recovery before the writer starts).
 */
final class UuidIndex {
    /** Old slots moved per insertion; ≥ 2 finishes a migration before the new table is half full. */
    private static final int MIGRATE_PER_PUT = 8;

    private Table table = new Table(1 << 16);
    private @Nullable Table old;
    private int migrated; // slots of the old table already moved
    private int size;

    /** The position stored for {@code id}, or 0 if absent. */
    long get(UUID id) {
        long m = id.getMostSignificantBits();
        long l = id.getLeastSignificantBits();
        long p = table.get(m, l);
        Table o = old;
        return p != 0 || o == null ? p : o.get(m, l);
    }

    /** Adds {@code id} at {@code position} (> 0); ids are unique by construction. */
    void put(UUID id, long position) {
        put(id.getMostSignificantBits(), id.getLeastSignificantBits(), position);
    }

    /** Adds an entry by its parts (loading a checkpoint). */
    void put(long m, long l, long position) {
        if ((size + 1) * 2L > table.capacity) {
            grow();
        }
        if (table.insert(m, l, position, true)) {
            size++;
        }
        migrate(MIGRATE_PER_PUT);
    }

    int size() {
        return size;
    }

    /** Receives one entry. */
    interface Visitor {
        void visit(long msb, long lsb, long position);
    }

    /** Visits every entry once (not concurrently with {@link #put}). */
    void forEach(Visitor visitor) {
        Table t = table;
        for (int i = 0; i < t.capacity; i++) {
            if (t.slots[3 * i + 2] != 0) {
                visitor.visit(t.slots[3 * i], t.slots[3 * i + 1], t.slots[3 * i + 2]);
            }
        }
        Table o = old;
        for (int i = migrated; o != null && i < o.capacity; i++) { // slots below migrated were moved to table
            if (o.slots[3 * i + 2] != 0) {
                visitor.visit(o.slots[3 * i], o.slots[3 * i + 1], o.slots[3 * i + 2]);
            }
        }
    }

    /** Whether an old table is still being moved (for tests). */
    boolean migrating() {
        return old != null;
    }

    private void grow() {
        migrate(Integer.MAX_VALUE); // only if a migration is still running: cannot happen at MIGRATE_PER_PUT ≥ 2
        old = table;
        migrated = 0;
        table = new Table(table.capacity * 2);
    }

    private void migrate(int slots) {
        Table o = old;
        if (o == null) {
            return;
        }
        int end = (int) Math.min(o.capacity, (long) migrated + slots);
        long[] os = o.slots;
        for (int i = migrated; i < end; i++) {
            int k = 3 * i;
            // an id put again while its old slot waited (not done by the writer) keeps its newer position
            if (os[k + 2] != 0 && !table.insert(os[k], os[k + 1], os[k + 2], false)) {
                size--;
            }
        }
        migrated = end;
        if (end == o.capacity) {
            old = null;
        }
    }

    /**
     * One open-addressing table with linear probing. A slot is three consecutive longs (msb, lsb, position; position
     * 0 = empty) in one array, so a probe touches one cache line instead of three: with millions of ids every lookup
     * misses the cache, and three parallel arrays made it the writer's largest cost in the profile.
     */
    private static final class Table {
        final long[] slots;
        final int capacity;
        final int mask;

        Table(int capacity) {
            this.slots = new long[3 * capacity];
            this.capacity = capacity;
            this.mask = capacity - 1;
        }

        long get(long m, long l) {
            for (int i = slot(m, l); slots[3 * i + 2] != 0; i = (i + 1) & mask) {
                int k = 3 * i;
                if (slots[k] == m && slots[k + 1] == l) {
                    return slots[k + 2];
                }
            }
            return 0;
        }

        /** Inserts, or replaces an existing entry's position if {@code replace}; whether the id was new. */
        boolean insert(long m, long l, long p, boolean replace) {
            int i = slot(m, l);
            for (; slots[3 * i + 2] != 0; i = (i + 1) & mask) {
                int k = 3 * i;
                if (slots[k] == m && slots[k + 1] == l) {
                    if (replace) {
                        slots[k + 2] = p;
                    }
                    return false;
                }
            }
            int k = 3 * i;
            slots[k] = m;
            slots[k + 1] = l;
            slots[k + 2] = p;
            return true;
        }

        private int slot(long m, long l) {
            long h = m * 0x9E3779B97F4A7C15L ^ l;
            h ^= h >>> 32;
            return (int) h & mask;
        }
    }
}
