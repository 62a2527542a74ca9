package dev.hindsight.core.internal;

import java.util.List;
import java.util.Random;

/**
 * Seeded random JSON objects for the property tests of the canonical-JSON paths: nested objects and arrays whose
 * numbers and strings are drawn from the given lists, keys from a small space (so that some repeat), and now and then
 * whitespace between tokens. The same seed and settings always give the same documents.
 *
 * @param numbers number tokens to draw from (valid or not, as the test wants)
 * @param strings string contents to draw from, already escaped as they stand between quotes
 * @param accentedKeys whether a key is now and then {@code "ké"} (a key that is not plain ASCII)
 * @param whitespaceOneIn whitespace stands between two tokens once in {@code whitespaceOneIn / 2} draws
 */
record RandomJsonDocuments(String[] numbers, String[] strings, boolean accentedKeys, int whitespaceOneIn) {

    /** An object nested {@code depth} levels down (0 at the top); deeper objects are smaller. */
    String object(Random r, int depth) {
        int n = depth > 3 ? r.nextInt(2) : r.nextInt(6);
        StringBuilder sb = new StringBuilder().append(ws(r)).append('{');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(ws(r))
                    .append('"')
                    .append(key(r))
                    .append('"')
                    .append(ws(r))
                    .append(':');
            sb.append(value(r, depth + 1));
        }
        return sb.append(ws(r)).append('}').append(ws(r)).toString();
    }

    private String key(Random r) {
        if (r.nextInt(10) == 0) {
            return "k";
        }
        return accentedKeys && r.nextInt(20) == 0 ? "ké" : "k" + r.nextInt(1000);
    }

    private String value(Random r, int depth) {
        StringBuilder sb = new StringBuilder().append(ws(r));
        switch (r.nextInt(depth > 3 ? 4 : 6)) {
            case 0 -> sb.append(numbers[r.nextInt(numbers.length)]);
            case 1 -> sb.append('"').append(strings[r.nextInt(strings.length)]).append('"');
            case 2 -> sb.append(List.of("true", "false", "null").get(r.nextInt(3)));
            case 3 -> sb.append('"').append(Long.toString(r.nextLong(), 36)).append('"');
            case 4 -> sb.append(object(r, depth));
            default -> {
                sb.append('[');
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "").append(value(r, depth + 1));
                }
                sb.append(']');
            }
        }
        return sb.append(ws(r)).toString();
    }

    private String ws(Random r) {
        int draw = r.nextInt(whitespaceOneIn);
        return draw == 0 ? " " : draw == 1 ? "\n\t " : "";
    }
}
