package dev.hindsight.orders;

import dev.hindsight.core.InvalidRequestException;
import java.math.BigDecimal;
import java.util.Currency;
import java.util.Objects;

/**
 * An amount of money: integer minor units (cents, fils; yen have none) of an ISO 4217 currency. On the wire amounts
 * are decimal numbers at the currency's scale ({@link Currency#getDefaultFractionDigits()}: USD 2, JPY 0, BHD 3).
 * Never negative. Immutable.
 *
 * @param minor amount in minor units, ≥ 0
 * @param currency the currency; one with minor units defined (not XXX, XAU, ...)
 */
public record Money(long minor, Currency currency) {
    /** Largest number of integer digits accepted, so that {@code 1e999999999} is rejected before any arithmetic. */
    private static final int MAX_INTEGER_DIGITS = 15;

    public Money {
        Objects.requireNonNull(currency, "currency");
        if (minor < 0) {
            throw new IllegalArgumentException("money must not be negative: " + minor);
        }
        if (currency.getDefaultFractionDigits() < 0) {
            throw new IllegalArgumentException(currency + " has no minor units");
        }
    }

    /**
     * Parses an ISO 4217 code.
     *
     * @throws InvalidRequestException if it is not a known currency with minor units
     */
    public static Currency currency(String code) {
        if (code.length() != 3 || !code.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            throw new InvalidRequestException("currency must be an ISO 4217 code like USD, was '" + code + "'");
        }
        Currency c;
        try {
            c = Currency.getInstance(code);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("unknown currency '" + code + "'");
        }
        if (c.getDefaultFractionDigits() < 0) {
            throw new InvalidRequestException("currency " + code + " cannot be used for prices");
        }
        return c;
    }

    /**
     * Converts a decimal amount exactly.
     *
     * @param field names the amount in error messages
     * @throws InvalidRequestException if it is negative, has more decimals than the currency allows, or is too large
     */
    public static Money of(BigDecimal amount, Currency currency, String field) {
        if (amount.signum() < 0) {
            throw new InvalidRequestException(field + " must not be negative, was " + text(amount));
        }
        int digits = currency.getDefaultFractionDigits();
        if (amount.signum() == 0) {
            return new Money(0, currency);
        }
        if (amount.precision() - amount.scale() > MAX_INTEGER_DIGITS) {
            throw new InvalidRequestException(field + " is too large");
        }
        BigDecimal exact = amount.stripTrailingZeros();
        if (exact.scale() > digits) {
            throw new InvalidRequestException(field + " " + text(amount) + " has more decimals than "
                    + currency.getCurrencyCode() + " allows (" + digits + ")");
        }
        return new Money(exact.movePointRight(digits).longValueExact(), currency);
    }

    /**
     * The amount for an error message: plain notation unless its exponent is large, where plain
     * notation would be as long as the exponent (1e-999999999 has a billion digits: a gigabyte of heap per request).
     */
    private static String text(BigDecimal amount) {
        return Math.abs((long) amount.scale()) <= MAX_PLAIN_SCALE ? amount.toPlainString() : amount.toString();
    }

    /** Largest scale (either sign) an amount in an error message is written out plainly at. */
    private static final int MAX_PLAIN_SCALE = 100;

    /** From minor units of the currency with code {@code currencyCode}. */
    public static Money ofMinor(long minor, String currencyCode) {
        return new Money(minor, Currency.getInstance(currencyCode));
    }

    /** The amount as a decimal at the currency's scale, e.g. {@code 150.00} for 15000 USD cents. */
    public BigDecimal decimal() {
        return BigDecimal.valueOf(minor, currency.getDefaultFractionDigits());
    }

    /** The decimal at {@code currencyCode}'s scale of {@code minor} units. */
    public static BigDecimal decimal(long minor, String currencyCode) {
        return BigDecimal.valueOf(minor, Currency.getInstance(currencyCode).getDefaultFractionDigits());
    }

    @Override
    public String toString() {
        return decimal().toPlainString() + " " + currency.getCurrencyCode();
    }
}
