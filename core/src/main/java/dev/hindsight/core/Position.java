package dev.hindsight.core;

import java.util.Arrays;

/**
 * Place in a store's global log, opaque to users and comparable within one store.
 *
 * <p>Totally ordered engines (file log, PostgreSQL) use {@link Sequence}: positions increase in the order readers see
 * events, {@link #START} (0) is before the first. The file log numbers events 1, 2, 3, ...; PostgreSQL's positions are
 * sparse (derived from the committing transaction), so never compute with them. Partitioned engines (Kafka) use {@link Vector}: one offset per partition,
 * the offset of the next event to read; a checkpoint stores the whole vector. An event's own position in a partitioned
 * engine is a vector with one entry. Wire form ({@link #toString()} / {@link #parse(String)}): {@code "42"} or
 * {@code "0:17,1:5,2:0"}.
 */
public sealed interface Position {

    Sequence START = new Sequence(0);

    /**
     * A position in a totally ordered log.
     *
     * @param value the position; 0 before the first event
     */
    record Sequence(long value) implements Position, Comparable<Sequence> {
        public Sequence {
            if (value < 0) {
                throw new IllegalArgumentException("position must be >= 0, was " + value);
            }
        }

        @Override
        public int compareTo(Sequence o) {
            return Long.compare(value, o.value);
        }

        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /**
     * A position in a partitioned log: for each partition, how many records of it precede this point.
     *
     * @param offsets one entry per partition; copied
     */
    record Vector(long[] offsets) implements Position {
        public Vector {
            offsets = offsets.clone();
        }

        @Override
        public long[] offsets() {
            return offsets.clone();
        }

        /** Offset of partition {@code p}, 0 when the vector does not cover it. */
        public long offset(int p) {
            return p < offsets.length ? offsets[p] : 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Vector v && Arrays.equals(offsets, v.offsets);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(offsets);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < offsets.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(i).append(':').append(offsets[i]);
            }
            return sb.toString();
        }
    }

    static Position of(long sequence) {
        return sequence == 0 ? START : new Sequence(sequence);
    }

    /**
     * The cursor that results from consuming the event at {@code eventPosition} from this cursor.
     */
    default Position advanceTo(Position eventPosition) {
        return switch (this) {
            case Sequence s -> eventPosition;
            case Vector v -> {
                if (!(eventPosition instanceof Vector e)) {
                    throw new IllegalArgumentException("cannot mix sequence and vector positions");
                }
                long[] mine = v.offsets;
                long[] theirs = e.offsets;
                long[] merged = Arrays.copyOf(mine, Math.max(mine.length, theirs.length));
                for (int i = 0; i < theirs.length; i++) {
                    merged[i] = Math.max(merged[i], theirs[i]);
                }
                yield new Vector(merged);
            }
        };
    }

    /** Whether every event at or before {@code other} is also at or before this cursor. */
    default boolean covers(Position other) {
        return switch (this) {
            case Sequence s -> other instanceof Sequence o && s.value >= o.value;
            case Vector v -> {
                if (!(other instanceof Vector o)) {
                    yield false;
                }
                for (int i = 0; i < o.offsets.length; i++) {
                    if (v.offset(i) < o.offsets[i]) {
                        yield false;
                    }
                }
                yield true;
            }
        };
    }

    /**
     * Parses the wire form.
     *
     * @throws InvalidRequestException if malformed
     */
    static Position parse(String text) {
        String t = text.trim();
        try {
            if (t.indexOf(':') < 0) {
                long v = Long.parseLong(t);
                if (v < 0) {
                    throw new InvalidRequestException("position must be >= 0, was " + t);
                }
                return of(v);
            }
            String[] parts = t.split(",");
            long[] offsets = new long[parts.length];
            for (String part : parts) {
                int colon = part.indexOf(':');
                int p = Integer.parseInt(part.substring(0, colon).trim());
                long off = Long.parseLong(part.substring(colon + 1).trim());
                if (p < 0 || p >= offsets.length || off < 0) {
                    throw new InvalidRequestException("malformed position '" + t + "'");
                }
                offsets[p] = off;
            }
            return new Vector(offsets);
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new InvalidRequestException("malformed position '" + t + "': expected a number or p:offset,...");
        }
    }
}
