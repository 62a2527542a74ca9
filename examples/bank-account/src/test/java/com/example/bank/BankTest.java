package com.example.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.testkit.clock.SettableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bank on the real embedded engine, in a temporary directory, with a clock the test moves. */
class BankTest {
    private static final Instant JAN_10 = Instant.parse("2026-01-10T09:00:00Z");
    private static final Instant JAN_20 = Instant.parse("2026-01-20T09:00:00Z");
    private static final Instant FEB_05 = Instant.parse("2026-02-05T09:00:00Z");
    private static final Instant MAR_01 = Instant.parse("2026-03-01T00:00:00Z");

    @TempDir
    Path dir;

    private final SettableClock clock = new SettableClock(JAN_10);

    @Test
    void depositsAndWithdrawals_giveTheBalance_andPastBalancesByTimeTravel() throws Exception {
        try (Bank bank = Bank.open(dir, clock)) {
            seedLedger(bank);

            assertThat(bank.account("acc-1").orElseThrow().balance()).isEqualTo(1_000_00);
            assertThat(bank.balanceAsOf("acc-1", JAN_10.minusSeconds(1))).isZero();
            assertThat(bank.balanceAsOf("acc-1", JAN_10)).isEqualTo(500_00);
            assertThat(bank.balanceAsOf("acc-1", JAN_20.plusSeconds(60))).isEqualTo(300_00);
            assertThat(bank.balanceAsOf("acc-1", MAR_01)).isEqualTo(1_000_00);
        }
    }

    @Test
    void monthlyStatements_areTheReadModel() throws Exception {
        try (Bank bank = Bank.open(dir, clock)) {
            seedLedger(bank);

            assertThat(bank.statements("acc-1"))
                    .containsExactly(
                            new MonthlyStatement("acc-1", YearMonth.of(2026, 1), 0, 500_00, 200_00, 300_00, 2),
                            new MonthlyStatement("acc-1", YearMonth.of(2026, 2), 300_00, 700_00, 0, 1_000_00, 1));
            assertThat(bank.statement("acc-1", YearMonth.of(2026, 3))).isEmpty();
        }
    }

    @Test
    void withdrawalBeyondTheOverdraft_isRejected_andChangesNothing() throws Exception {
        try (Bank bank = Bank.open(dir, clock)) {
            bank.openAccount("acc-2", "Grace", "EUR", 50_00);
            bank.deposit("acc-2", 20_00);

            assertThat(bank.withdraw("acc-2", 60_00)).isEqualTo(-40_00); // within the overdraft
            assertThatThrownBy(() -> bank.withdraw("acc-2", 10_01))
                    .isInstanceOf(Account.Rejected.class)
                    .hasMessageContaining("overdraft");
            assertThat(bank.account("acc-2").orElseThrow().balance()).isEqualTo(-40_00);
            assertThat(bank.statement("acc-2", YearMonth.of(2026, 1)).orElseThrow().transactions())
                    .isEqualTo(2);
        }
    }

    @Test
    void unknownAccount_isRejected_andDoesNotExistAfterwards() throws Exception {
        try (Bank bank = Bank.open(dir, clock)) {
            assertThatThrownBy(() -> bank.deposit("nobody", 1)).isInstanceOf(Account.Rejected.class);
            assertThat(bank.account("nobody")).isEmpty();
            assertThat(bank.statements("nobody")).isEmpty();
        }
    }

    @Test
    void reopened_keepsTheWholeHistory() throws Exception {
        try (Bank bank = Bank.open(dir, clock)) {
            seedLedger(bank);
        }
        try (Bank bank = Bank.open(dir, clock)) {
            assertThat(bank.account("acc-1").orElseThrow().balance()).isEqualTo(1_000_00);
            assertThat(bank.balanceAsOf("acc-1", JAN_20)).isEqualTo(300_00);
            assertThat(bank.statements("acc-1")).hasSize(2);
        }
    }

    @Test
    void manyTransactions_loadThroughSnapshots_toTheSameBalance() throws Exception {
        try (Bank bank = Bank.open(dir, clock)) {
            bank.openAccount("acc-3", "Linus", "EUR", 0);
            long expected = 0;
            for (int i = 1; i <= 120; i++) {
                expected = i % 3 == 0 ? bank.withdraw("acc-3", 1) : bank.deposit("acc-3", 2);
            }
            assertThat(expected).isEqualTo(80 * 2 - 40);
            assertThat(bank.account("acc-3").orElseThrow().balance()).isEqualTo(expected);
        }
    }

    /** The seed's ledger: Deposit $500 (Jan 10), Withdraw $200 (Jan 20), Deposit $700 (Feb 5). */
    private void seedLedger(Bank bank) {
        clock.set(JAN_10);
        bank.openAccount("acc-1", "Ada", "EUR", 0);
        assertThat(bank.deposit("acc-1", 500_00)).isEqualTo(500_00);
        clock.set(JAN_20);
        assertThat(bank.withdraw("acc-1", 200_00)).isEqualTo(300_00);
        clock.set(FEB_05);
        assertThat(bank.deposit("acc-1", 700_00)).isEqualTo(1_000_00);
    }
}
