package dev.hindsight.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hindsight.core.InvalidRequestException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Currency;
import org.junit.jupiter.api.Test;

class MoneyTest {
    private static Money of(String amount, String currency) {
        return Money.of(new BigDecimal(amount), Money.currency(currency), "amount");
    }

    @Test
    void of_convertsExactlyAtTheCurrencysScale() {
        assertThat(of("150.00", "USD").minor()).isEqualTo(15_000);
        assertThat(of("150", "USD").minor()).isEqualTo(15_000);
        assertThat(of("1.5", "USD").decimal().toString()).isEqualTo("1.50");
        assertThat(of("1500", "JPY").decimal().toString()).isEqualTo("1500");
        assertThat(of("1.234", "BHD").minor()).isEqualTo(1_234);
        assertThat(of("1.2340", "BHD").decimal().toString()).isEqualTo("1.234");
        assertThat(of("1E+2", "USD").minor()).isEqualTo(10_000);
        assertThat(of("0.10", "USD")).hasToString("0.10 USD");
    }

    @Test
    void of_rejectsMoreDecimalsNegativeAndHuge() {
        for (String[] bad : new String[][] {
            {"1.001", "USD"},
            {"1.5", "JPY"},
            {"0.0001", "BHD"},
            {"-1", "USD"},
            {"1e999999999", "USD"},
            {"1000000000000000", "USD"}
        }) {
            assertThatThrownBy(() -> of(bad[0], bad[1]))
                    .as(bad[0] + " " + bad[1])
                    .isInstanceOf(InvalidRequestException.class);
        }
        assertThat(of("999999999999999", "USD").minor()).isEqualTo(99_999_999_999_999_900L);
    }

    /**
     * An amount with a huge exponent is refused at once, with a short message: its plain notation (1e-999999999 has a
     * billion digits) must never be built, which took a gigabyte of heap and seconds of CPU per request.
     */
    @Test
    void of_rejectsHugeExponentsQuicklyWithAShortMessage() {
        for (String bad : new String[] {"1e-999999999", "-1e999999999", "-1e-999999999", "1.5e-2000000000"}) {
            assertTimeoutPreemptively(
                    Duration.ofSeconds(2),
                    () -> assertThatThrownBy(() -> of(bad, "USD"))
                            .as(bad)
                            .isInstanceOf(InvalidRequestException.class)
                            .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200)));
        }
    }

    @Test
    void currency_isoCodesWithMinorUnitsOnly() {
        assertThat(Money.currency("EUR")).isEqualTo(Currency.getInstance("EUR"));
        for (String bad : new String[] {"usd", "US", "ZZZ", "XXX", "EURO"}) {
            assertThatThrownBy(() -> Money.currency(bad)).as(bad).isInstanceOf(InvalidRequestException.class);
        }
    }
}
