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

    @Test
    void format_randomInstantsEdgesAndFractions_equalsInstantToString() {
        Random rnd = new Random(11);
        List<Instant> edges = List.of(
                Instant.EPOCH,
                Instant.MIN,
                Instant.MAX,
                Instant.parse("0001-01-01T00:00:00Z"),
                Instant.parse("0000-12-31T23:59:59.999999999Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("1969-12-31T23:59:59.1Z"),
                Instant.parse("2024-02-29T12:00:00.000001Z"),
                Instant.parse("2026-11-26T18:42:51.310063Z"));
        for (Instant t : edges) {
            assertThat(IsoInstants.format(t)).isEqualTo(t.toString());
        }
        int[] nanos = {0, 1, 999_999_999, 1_000, 1_000_000, 120_000_000, 123_456_000, 100};
        for (int i = 0; i < 100_000; i++) {
            long seconds = rnd.nextLong(-70_000_000_000L, 260_000_000_000L); // beyond years 1-9999 on both sides
            int nano = switch (rnd.nextInt(4)) {
                case 0 -> nanos[rnd.nextInt(nanos.length)];
                case 1 -> rnd.nextInt(1_000) * 1_000_000;
                case 2 -> rnd.nextInt(1_000_000) * 1_000;
                default -> rnd.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(seconds, nano);
            assertThat(IsoInstants.format(t)).as(t.toString()).isEqualTo(t.toString());
        }
    }
}
