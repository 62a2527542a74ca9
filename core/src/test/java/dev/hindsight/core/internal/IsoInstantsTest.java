package dev.hindsight.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoInstantsTest {
    @Test
    void parse_randomInstantsInEveryFractionLength_equalsInstantParse() {
        Random rnd = new Random(7);
        for (int i = 0; i < 50_000; i++) {
            long seconds = rnd.nextLong(-62_135_596_800L, 253_402_300_799L); // years 0001-9999
            Instant t = Instant.ofEpochSecond(seconds, rnd.nextInt(1_000_000_000));
            String text = t.toString();
            int digits = rnd.nextInt(10); // 0-9 fraction digits
            String base = text.substring(0, 19);
            String fraction = String.format("%09d", t.getNano()).substring(0, digits);
            String s = base + (digits == 0 ? "" : "." + fraction) + "Z";
            assertThat(IsoInstants.fastPath(s)).as(s).isNotNull().isEqualTo(Instant.parse(s));
            assertThat(IsoInstants.parse(text)).isEqualTo(t);
        }
    }

    @Test
    void parse_otherFormsFallBackToInstantParse() {
        for (String s : List.of(
                "2026-11-26T18:42:51+02:00",
                "+12026-01-01T00:00:00Z",
                "2026-12-31T23:59:60Z",
                "2026-01-01T24:00:00Z",
                "2026-01-01T00:00:00.Z",
                "2026-01-01t00:00:00z")) {
            assertThat(IsoInstants.fastPath(s)).as(s).isNull();
            Instant expected;
            try {
                expected = Instant.parse(s);
            } catch (DateTimeParseException e) {
                assertThatThrownBy(() -> IsoInstants.parse(s)).isInstanceOf(DateTimeParseException.class);
                continue;
            }
            assertThat(IsoInstants.parse(s)).isEqualTo(expected);
        }
    }

    @Test
    void parse_invalidText_throwsLikeInstantParse() {
        for (String s : List.of(
                "",
                "2026-02-30T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-01-01T00:00:00",
                "2026-01-01T00:60:00Z",
                "2026-01-01T00:00:00.1234567890Z",
                "2026-01-01 00:00:00Z",
                "2026-0a-01T00:00:00Z",
                "20261-01-01T00:00:00Z")) {
            assertThat(IsoInstants.fastPath(s)).as(s).isNull();
            assertThatThrownBy(() -> Instant.parse(s)).as(s).isInstanceOf(DateTimeParseException.class);
            assertThatThrownBy(() -> IsoInstants.parse(s)).as(s).isInstanceOf(DateTimeParseException.class);
        }
    }
}
