package com.example.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The account's rules as pure functions: no store involved. */
class AccountTest {
    private static final Account.State OPEN = Account.evolve(Account.State.NONE, new Account.Opened("Ada", "EUR", 100));

    @Test
    void decide_deposit_yieldsDeposited() {
        assertThat(Account.decide(new Account.Deposit(500), OPEN)).containsExactly(new Account.Deposited(500));
    }

    @Test
    void decide_withdrawWithinOverdraft_yieldsWithdrawn() {
        assertThat(Account.decide(new Account.Withdraw(100), OPEN)).containsExactly(new Account.Withdrawn(100));
    }

    @Test
    void decide_withdrawBeyondOverdraft_isRejected() {
        assertThatThrownBy(() -> Account.decide(new Account.Withdraw(101), OPEN))
                .isInstanceOf(Account.Rejected.class)
                .hasMessageContaining("below the overdraft limit of -100");
    }

    @Test
    void decide_nonPositiveAmounts_areRejected() {
        assertThatThrownBy(() -> Account.decide(new Account.Deposit(0), OPEN)).hasMessageContaining("positive");
        assertThatThrownBy(() -> Account.decide(new Account.Withdraw(-5), OPEN)).hasMessageContaining("positive");
    }

    @Test
    void decide_onAnAccountNeverOpened_isRejected() {
        assertThatThrownBy(() -> Account.decide(new Account.Deposit(1), Account.State.NONE))
                .isInstanceOf(Account.Rejected.class)
                .hasMessageContaining("no such account");
    }

    @Test
    void decide_openTwiceOrWithBadInput_isRejected() {
        assertThatThrownBy(() -> Account.decide(new Account.Open("Ada", "EUR", 0), OPEN))
                .hasMessageContaining("already open");
        assertThatThrownBy(() -> Account.decide(new Account.Open("Ada", "euro", 0), Account.State.NONE))
                .hasMessageContaining("ISO 4217");
        assertThatThrownBy(() -> Account.decide(new Account.Open("Ada", "EUR", -1), Account.State.NONE))
                .hasMessageContaining("overdraft limit must not be negative");
    }

    @Test
    void evolve_replaysTheSeedsLedger() {
        // the seed's example: Deposit $500, Withdraw $200, Deposit $700 -> $1,000
        Account.State s = OPEN;
        for (Account.Event e :
                List.of(new Account.Deposited(500_00), new Account.Withdrawn(200_00), new Account.Deposited(700_00))) {
            s = Account.evolve(s, e);
        }
        assertThat(s.balance()).isEqualTo(1_000_00);
    }
}
