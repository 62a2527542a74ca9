package dev.hindsight.index;

/**
 * 64-bit key hashes for {@link HashIndex}. Not cryptographic: collisions are possible (and handled by verifying every
 * hit against the log); the outputs are well mixed, which the index relies on only for the size of its bloom filters.
 * Stateless, thread-safe.
 */
public final class KeyHash {
    private KeyHash() {}

    /** Hash of a 128-bit id given as its two halves (for example a UUID's). */
    public static long of(long msb, long lsb) {
        return mix(msb ^ mix(lsb + 0x9E3779B97F4A7C15L));
    }

    /** Hash of a string's UTF-16 code units (stable across runs and JVMs). */
    public static long of(String s) {
        long h = 0xCBF29CE484222325L; // FNV-1a
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001B3L;
        }
        return mix(h ^ s.length());
    }

    /** Murmur3's 64-bit finalizer: every input bit affects every output bit. */
    public static long mix(long x) {
        long h = x;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB93FE53E3B4FL;
        h ^= h >>> 33;
        return h;
    }
}
