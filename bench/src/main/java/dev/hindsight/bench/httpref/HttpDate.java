package dev.hindsight.bench.httpref;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The {@code Date} header's value (IMF-fixdate, as Jetty writes it), formatted at most once a second. Thread-safe. */
final class HttpDate {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern(
                    "EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);

    private record Stamp(long second, String text) {}

    private volatile Stamp stamp = new Stamp(-1, "");

    String now() {
        long second = System.currentTimeMillis() / 1000;
        Stamp s = stamp;
        if (s.second != second) {
            s = new Stamp(second, FORMAT.format(Instant.ofEpochSecond(second)));
            stamp = s;
        }
        return s.text;
    }
}
