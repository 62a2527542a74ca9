package dev.hindsight.core.internal;

import java.time.DateTimeException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Recognizes an {@code event_data} or {@code metadata} text that is already canonical, with no parser, no generator and
 * no copy: one scan over its characters. Most events arrive canonical (compact JSON written by a JSON library, or the
 * HTTP request's payload taken as written), and {@link CanonicalJson} would parse them and write the same text back
 * (measured: a third of the server's CPU in a bulk append).
 *
 * <p>It accepts a text only where {@link CanonicalJson} would give the same text back unchanged: a well-formed object,
 * no whitespace outside strings, unique keys (compared as written: keys with an escape are not accepted), strings
 * without control characters, surrogates or escapes other than {@code \" \\ \b \f \n \r \t}, integers other than
 * {@code -0}, decimals without an exponent whose {@link java.math.BigDecimal#toString} is the text itself, and within
 * limits well inside Jackson's read constraints (nesting, number, string and key lengths, keys per object). Anything
 * else answers "not canonical" and the caller takes the streaming or tree path, which accepts, rewrites or rejects it
 * as before: this check never accepts what they would refuse or store differently ({@code CanonicalCheckTest} checks
 * that on seeded random and hand-picked tricky documents). Stateless, thread-safe.
 */
final class CanonicalCheck {
    private static final int MAX_DEPTH = 100;
    private static final int MAX_NUMBER_CHARS = 100;
    private static final int MAX_STRING_CHARS = 1 << 20;
    private static final int MAX_KEY_CHARS = 1_000;
    private static final int MAX_KEYS_PER_OBJECT = 64;
    private static final String TIMESTAMP = "timestamp";

    private CanonicalCheck() {}

    /** The UTF-8 size of {@code json} if it is a canonical object, else -1. */
    static long data(String json) {
        Scan s = new Scan(json, false);
        return s.document() ? json.length() + s.extraUtf8 : -1;
    }

    /**
     * {@code metadata} already canonical, with its top-level {@code timestamp} absent (then set to {@code now}, at the
     * end, as {@link CanonicalJson} does) or an instant string in {@link Instant#toString} form; {@code null} for
     * anything else (a null or non-normalized timestamp included).
     */
    static CanonicalJson.@Nullable Result metadata(String json, Instant now) {
        Scan s = new Scan(json, true);
        if (!s.document()) {
            return null;
        }
        long bytes = json.length() + s.extraUtf8;
        if (s.timestampStart < 0) {
            String ts = IsoInstants.format(now);
            String text = json.length() == 2
                    ? "{\"timestamp\":\"" + ts + "\"}"
                    : json.substring(0, json.length() - 1) + ",\"timestamp\":\"" + ts + "\"}";
            return new CanonicalJson.Result(text, bytes + (text.length() - json.length()), now, true);
        }
        String ts = json.substring(s.timestampStart, s.timestampEnd);
        if (ts.indexOf('\\') >= 0) {
            return null;
        }
        try {
            Instant t = IsoInstants.parse(ts);
            return IsoInstants.format(t).equals(ts) ? new CanonicalJson.Result(json, bytes, t, false) : null;
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** One scan; not thread-safe. */
    private static final class Scan {
        private final String s;
        private final int n;
        private final boolean metadata;
        private int i;
        private long extraUtf8;
        /** Start and end (exclusive) of the keys of the open objects, innermost last. */
        private int[] keys = new int[32];

        private int keyCount;
        /** The top-level timestamp's text, without quotes (metadata only); -1 when absent. */
        int timestampStart = -1;

        int timestampEnd = -1;

        Scan(String s, boolean metadata) {
            this.s = s;
            this.n = s.length();
            this.metadata = metadata;
        }

        boolean document() {
            return n >= 2 && s.charAt(0) == '{' && object(1) && i == n;
        }

        private boolean object(int depth) {
            if (depth > MAX_DEPTH) {
                return false;
            }
            i++; // '{'
            if (i < n && s.charAt(i) == '}') {
                i++;
                return true;
            }
            int base = keyCount;
            while (true) {
                if (i >= n || s.charAt(i) != '"') {
                    return false;
                }
                int start = i + 1;
                if (!key()) {
                    return false;
                }
                int end = i - 1;
                if (!newKey(base, start, end)) {
                    return false;
                }
                if (i >= n || s.charAt(i) != ':') {
                    return false;
                }
                i++;
                if (metadata && depth == 1 && end - start == TIMESTAMP.length() && s.startsWith(TIMESTAMP, start)) {
                    if (i >= n || s.charAt(i) != '"') {
                        return false; // null or not a string: the other paths decide
                    }
                    timestampStart = i + 1;
                    if (!string()) {
                        return false;
                    }
                    timestampEnd = i - 1;
                } else if (!value(depth)) {
                    return false;
                }
                if (i >= n) {
                    return false;
                }
                char c = s.charAt(i++);
                if (c == '}') {
                    keyCount = base;
                    return true;
                }
                if (c != ',') {
                    return false;
                }
            }
        }

        /** Records a key of the innermost object (which starts at {@code base}); false if it is already there. */
        private boolean newKey(int base, int start, int end) {
            int len = end - start;
            if ((keyCount - base) >= MAX_KEYS_PER_OBJECT) {
                return false;
            }
            for (int k = base; k < keyCount; k++) {
                int ks = keys[2 * k];
                if (keys[2 * k + 1] - ks == len && s.regionMatches(ks, s, start, len)) {
                    return false;
                }
            }
            if (2 * keyCount + 2 > keys.length) {
                keys = java.util.Arrays.copyOf(keys, keys.length * 2);
            }
            keys[2 * keyCount] = start;
            keys[2 * keyCount + 1] = end;
            keyCount++;
            return true;
        }

        private boolean array(int depth) {
            if (depth > MAX_DEPTH) {
                return false;
            }
            i++; // '['
            if (i < n && s.charAt(i) == ']') {
                i++;
                return true;
            }
            while (true) {
                if (!value(depth)) {
                    return false;
                }
                if (i >= n) {
                    return false;
                }
                char c = s.charAt(i++);
                if (c == ']') {
                    return true;
                }
                if (c != ',') {
                    return false;
                }
            }
        }

        private boolean value(int depth) {
            if (i >= n) {
                return false;
            }
            char c = s.charAt(i);
            return switch (c) {
                case '{' -> object(depth + 1);
                case '[' -> array(depth + 1);
                case '"' -> string();
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> number();
            };
        }

        private boolean literal(String word) {
            if (!s.startsWith(word, i)) {
                return false;
            }
            i += word.length();
            return true;
        }

        /** A key: a string without escapes. */
        private boolean key() {
            int start = ++i;
            int limit = Math.min(n, start + MAX_KEY_CHARS + 1);
            while (i < limit) {
                char c = s.charAt(i);
                if (c == '"') {
                    i++;
                    return true;
                }
                if (c < 0x20 || c == '\\') {
                    return false;
                }
                if (c >= 0x80 && !multiByte(c)) {
                    return false;
                }
                i++;
            }
            return false;
        }

        private boolean string() {
            int start = ++i;
            int limit = Math.min(n, start + MAX_STRING_CHARS + 1);
            while (i < limit) {
                char c = s.charAt(i);
                if (c == '"') {
                    i++;
                    return true;
                }
                if (c < 0x20) {
                    return false;
                }
                if (c == '\\') {
                    if (i + 1 >= n) {
                        return false;
                    }
                    switch (s.charAt(i + 1)) {
                        case '"', '\\', 'b', 'f', 'n', 'r', 't' -> i += 2;
                        default -> {
                            return false; // \/ and \\u are written back otherwise
                        }
                    }
                    continue;
                }
                if (c >= 0x80 && !multiByte(c)) {
                    return false;
                }
                i++;
            }
            return false;
        }

        /** Counts a non-ASCII character's extra UTF-8 bytes; false for a surrogate (left to the other paths). */
        private boolean multiByte(char c) {
            if (Character.isSurrogate(c)) {
                return false;
            }
            extraUtf8 += c < 0x800 ? 1 : 2;
            return true;
        }

        /**
         * A number as {@link CanonicalJson} writes it back: an integer (not {@code -0}), or a decimal with no exponent
         * that {@link java.math.BigDecimal#toString} keeps plain: a non-zero integer part, or a zero one with a
         * non-zero digit among the first six decimals, or zero with at most six decimals (not negative).
         */
        private boolean number() {
            int start = i;
            boolean negative = i < n && s.charAt(i) == '-';
            if (negative) {
                i++;
            }
            if (i >= n) {
                return false;
            }
            char c = s.charAt(i);
            boolean zero = c == '0';
            if (zero) {
                i++;
            } else if (c >= '1' && c <= '9') {
                i = digits(i + 1);
            } else {
                return false;
            }
            boolean ok;
            if (i < n && s.charAt(i) == '.') {
                int fraction = ++i;
                i = digits(i);
                if (i == fraction) {
                    return false;
                }
                if (zero) {
                    int firstNonZero = fraction;
                    while (firstNonZero < i && s.charAt(firstNonZero) == '0') {
                        firstNonZero++;
                    }
                    ok = firstNonZero < i ? firstNonZero - fraction <= 5 : !negative && i - fraction <= 6;
                } else {
                    ok = true;
                }
            } else {
                ok = !(zero && negative);
            }
            if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                return false;
            }
            return ok && i - start <= MAX_NUMBER_CHARS;
        }

        private int digits(int from) {
            int j = from;
            while (j < n && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
                j++;
            }
            return j;
        }
    }
}
