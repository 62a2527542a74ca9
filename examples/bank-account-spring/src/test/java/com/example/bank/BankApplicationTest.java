package com.example.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventStore;
import dev.hindsight.testkit.clock.SettableClock;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The whole application context with the starter's auto-configuration, on the file engine in a fresh directory, with a
 * clock the test moves (a {@link Clock} bean: the starter stamps events with it).
 */
@SpringBootTest(properties = "hindsight.directory=target/bank-test-${random.uuid}")
class BankApplicationTest {
    private static final Instant JAN_10 = Instant.parse("2026-01-10T09:00:00Z");
    private static final Instant JAN_20 = Instant.parse("2026-01-20T09:00:00Z");
    private static final Instant FEB_05 = Instant.parse("2026-02-05T09:00:00Z");

    @TestConfiguration
    static class Clocks {
        @Bean
        SettableClock clock() {
            return new SettableClock(JAN_10);
        }
    }

    @Autowired
    BankService bank;

    @Autowired
    SettableClock clock;

    @Autowired
    EventStore store;

    @Autowired
    HealthIndicator hindsightHealthIndicator;

    @Test
    void seedLedger_balancesNowAndThen_statements_overdraftRule_health() {
        bank.openAccount("acc-1", "Ada", "EUR", 0);
        bank.deposit("acc-1", 500_00);
        clock.set(JAN_20);
        bank.withdraw("acc-1", 200_00);
        clock.set(FEB_05);
        bank.deposit("acc-1", 700_00);

        assertThat(bank.account("acc-1").orElseThrow().balance()).isEqualTo(1_000_00);
        assertThat(bank.balanceAsOf("acc-1", JAN_10.minusSeconds(1))).isZero();
        assertThat(bank.balanceAsOf("acc-1", JAN_20)).isEqualTo(300_00);
        assertThat(bank.statements("acc-1"))
                .containsExactly(
                        new MonthlyStatement("acc-1", YearMonth.of(2026, 1), 0, 500_00, 200_00, 300_00, 2),
                        new MonthlyStatement("acc-1", YearMonth.of(2026, 2), 300_00, 700_00, 0, 1_000_00, 1));

        assertThatThrownBy(() -> bank.withdraw("acc-1", 1_000_01))
                .isInstanceOf(Account.Rejected.class)
                .hasMessageContaining("overdraft");
        assertThat(store.read("acc-1").version()).isEqualTo(4);

        assertThat(hindsightHealthIndicator.health(true).getStatus()).isEqualTo(Status.UP);
    }
}
