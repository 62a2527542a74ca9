package dev.hindsight.core.internal;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Parses ISO-8601 UTC instants ({@code 2026-11-26T18:42:51.310063Z}, as {@link Instant#toString} writes them) without
 * {@link java.time.format.DateTimeFormatter}, whose general parser costs microseconds per call and showed up in every
 * append (each event's {@code metadata.timestamp}). Anything else, and any value out of range, goes to
 * {@link Instant#parse}, so results and errors are exactly {@code Instant.parse}'s. Stateless, thread-safe.
 */
public final class IsoInstants {
    private IsoInstants() {}

    /**
     * Same as {@link Instant#parse}.
     *
     * @throws java.time.format.DateTimeParseException if it is not an ISO-8601 instant
     */
    public static Instant parse(CharSequence text) {
        Instant fast = fastPath(text);
        return fast != null ? fast : Instant.parse(text);
    }

    /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years {@link #format} writes itself. */
    private static final long FIRST_FAST_SECOND = -62_135_596_800L;

    private static final long LAST_FAST_SECOND = 253_402_300_799L;

    /**
     * Same as {@link Instant#toString} ({@code 2026-11-26T18:42:51.310063Z}: the fraction in groups of three digits,
     * none when zero), without {@link java.time.format.DateTimeFormatter}, whose general printer was most of the cost
     * of stamping each appended event's {@code metadata.timestamp}. Years outside 1–9999 go to {@code toString}.
     */
    public static String format(Instant t) {
        long second = t.getEpochSecond();
        if (second < FIRST_FAST_SECOND || second > LAST_FAST_SECOND) {
            return t.toString();
        }
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(second, 86_400));
        int ofDay = Math.floorMod(second, 86_400);
        int nano = t.getNano();
        int fraction = nano == 0 ? 0 : nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
        byte[] b = new byte[20 + (fraction == 0 ? 0 : fraction + 1)];
        put(b, 0, date.getYear(), 4);
        b[4] = '-';
        put(b, 5, date.getMonthValue(), 2);
        b[7] = '-';
        put(b, 8, date.getDayOfMonth(), 2);
        b[10] = 'T';
        put(b, 11, ofDay / 3_600, 2);
        b[13] = ':';
        put(b, 14, ofDay / 60 % 60, 2);
        b[16] = ':';
        put(b, 17, ofDay % 60, 2);
        if (fraction > 0) {
            b[19] = '.';
            put(b, 20, nano / (fraction == 3 ? 1_000_000 : fraction == 6 ? 1_000 : 1), fraction);
        }
        b[b.length - 1] = 'Z';
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** {@code value} as {@code len} decimal digits, zero-padded, at {@code at}. */
    private static void put(byte[] b, int at, int value, int len) {
        for (int i = at + len - 1; i >= at; i--) {
            b[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} with in-range fields, or {@code null}. */
    static Instant fastPath(CharSequence s) {
        int n = s.length();
        if (n < 20
                || n > 30
                || s.charAt(n - 1) != 'Z'
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int fraction = n - 21; // between '.' and 'Z'
            if (s.charAt(19) != '.' || fraction < 1 || fraction > 9) {
                return null;
            }
            nanos = digits(s, 20, fraction);
            if (nanos < 0) {
                return null;
            }
            for (int i = fraction; i < 9; i++) {
                nanos *= 10;
            }
        }
        long days;
        try {
            days = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal value of {@code len} ASCII digits at {@code from}, or -1. */
    private static int digits(CharSequence s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
