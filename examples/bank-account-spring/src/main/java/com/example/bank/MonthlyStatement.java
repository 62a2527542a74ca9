package com.example.bank;

import java.time.YearMonth;

/**
 * One account's statement for one calendar month (UTC), a row of the {@link MonthlyStatements} read model.
 *
 * @param opening the balance before the month's first transaction
 * @param closing the balance after its last
 */
public record MonthlyStatement(
        String accountId,
        YearMonth month,
        long opening,
        long deposits,
        long withdrawals,
        long closing,
        int transactions) {}
