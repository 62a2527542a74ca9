package dev.hindsight.loadgen;

import dev.hindsight.orders.LineItem;
import dev.hindsight.orders.Money;
import dev.hindsight.orders.command.AdjustItems;
import dev.hindsight.orders.command.CancelOrder;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.orders.command.DeliverOrder;
import dev.hindsight.orders.command.OrderCommand;
import dev.hindsight.orders.command.PayOrder;
import dev.hindsight.orders.command.RefundOrder;
import dev.hindsight.orders.command.ReturnOrder;
import dev.hindsight.orders.command.ShipOrder;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One simulated order: its planned lifecycle (fixed when it is created, from its own seeded random source) and what
 * the generator knows of it (lines, total, how many of its commands succeeded). Planned so that every command is one
 * the decider accepts. Not thread-safe: the generator hands it from the dispatcher to one worker at a time (through
 * the locks of the timeline), and only reads it concurrently for its id and user.
 */
final class OrderRun {
    private static final String[] CARRIERS = {"UPS", "FedEx", "DHL", "USPS"};
    private static final String[] PAYMENT_METHODS = {
        "credit_card", "credit_card", "paypal", "apple_pay", "bank_transfer"
    };
    private static final String[] CANCEL_REASONS = {
        "customer_request", "found_cheaper", "ordered_by_mistake", "payment_review_failed"
    };
    private static final String[] RETURN_REASONS = {"damaged", "wrong_size", "not_as_described", "changed_mind"};
    private static final long SECOND = 1_000_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private final long index;
    private final String userId;
    private final Currency currency;
    private final SplittableRandom random;
    private final Verb[] plan;
    private volatile String orderId;
    private List<LineItem> items;
    private int next;
    private int refunds;
    private volatile long version;

    OrderRun(long index, String orderId, String userId, Currency currency, SplittableRandom random) {
        this.index = index;
        this.orderId = orderId;
        this.userId = userId;
        this.currency = currency;
        this.random = random;
        this.items = lines(random, currency);
        this.plan = plan(random);
    }

    /**
     * The seed's lifecycle, about ten events on average: created, edited a few times before checkout (3-9
     * adjustments), then 8% cancelled unpaid; 4% paid, cancelled and refunded; 88% paid, shipped and delivered, of
     * which 7% are returned and refunded in one or two parts.
     */
    private Verb[] plan(SplittableRandom r) {
        List<Verb> p = new ArrayList<>(14);
        p.add(Verb.CREATE);
        int adjustments = 3 + r.nextInt(7);
        for (int i = 0; i < adjustments; i++) {
            p.add(Verb.ADJUST);
        }
        double path = r.nextDouble();
        if (path < 0.08) {
            p.add(Verb.CANCEL);
        } else if (path < 0.12) {
            p.addAll(List.of(Verb.PAY, Verb.CANCEL, Verb.REFUND));
        } else {
            p.addAll(List.of(Verb.PAY, Verb.SHIP, Verb.DELIVER));
            if (r.nextDouble() < 0.07) {
                p.add(Verb.RETURN);
                p.add(Verb.REFUND);
                if (r.nextInt(2) == 0) {
                    p.add(Verb.REFUND);
                }
            }
        }
        return p.toArray(Verb[]::new);
    }

    private static List<LineItem> lines(SplittableRandom r, Currency currency) {
        int n = 1 + Math.min(r.nextInt(5), r.nextInt(5));
        boolean noMinor = currency.getDefaultFractionDigits() == 0;
        List<LineItem> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long price = noMinor ? 100 + r.nextInt(200) * 100L : 199 + r.nextInt(19_800);
            out.add(new LineItem(sku(r.nextInt(20_000)), 1 + Math.min(r.nextInt(4), r.nextInt(4)), price));
        }
        return out;
    }

    /** {@code sku-00042}: formatted by hand, as String.format cost more than the rest of a command's planning. */
    private static String sku(int n) {
        String digits = Integer.toString(n);
        return "sku-" + "00000".substring(Math.min(5, digits.length())) + digits;
    }

    long index() {
        return index;
    }

    String orderId() {
        return orderId;
    }

    String userId() {
        return userId;
    }

    Currency currency() {
        return currency;
    }

    /** Commands that succeeded so far: the order's version. */
    long version() {
        return version;
    }

    /** Events planned in total. */
    int plannedEvents() {
        return plan.length;
    }

    boolean done() {
        return next >= plan.length;
    }

    Verb nextVerb() {
        return plan[next];
    }

    /** Simulated microseconds between the previous step and the next one (random, per the verb). */
    long delayBeforeNext() {
        Verb v = plan[next];
        boolean paid = false;
        for (int i = 0; i < next; i++) {
            paid |= plan[i] == Verb.PAY;
        }
        return switch (v) {
            case CREATE -> 0;
            case ADJUST -> between(30 * SECOND, 10 * MINUTE);
            case PAY -> between(2 * MINUTE, 30 * MINUTE);
            case CANCEL -> paid ? between(HOUR, 12 * HOUR) : between(10 * MINUTE, 2 * HOUR);
            case SHIP -> between(2 * HOUR, DAY);
            case DELIVER -> between(DAY, 4 * DAY);
            case RETURN -> between(DAY, 14 * DAY);
            case REFUND -> between(DAY, 3 * DAY);
        };
    }

    private long between(long lo, long hi) {
        return lo + random.nextLong(hi - lo);
    }

    /**
     * The next command, for the instant the order service reads from its clock. Changes the planned lines when the
     * command is an adjustment (a failed command abandons the order, so nothing needs undoing).
     */
    Function<Instant, OrderCommand> nextCommand() {
        Verb v = plan[next];
        String id = orderId;
        return switch (v) {
            case CREATE -> {
                List<LineItem> lines = items;
                yield at -> new CreateOrder(id, userId, lines, currency, at);
            }
            case ADJUST -> {
                List<LineItem> lines = lines(random, currency);
                items = lines;
                yield at -> new AdjustItems(lines, null, at);
            }
            case PAY -> {
                BigDecimal amount = total();
                String paymentId = "pay_" + Long.toHexString(random.nextLong());
                String method = PAYMENT_METHODS[random.nextInt(PAYMENT_METHODS.length)];
                yield at -> new PayOrder(paymentId, amount, null, method, at);
            }
            case SHIP -> {
                String tracking = "1Z"
                        + Long.toString(random.nextLong() & Long.MAX_VALUE, 36).toUpperCase();
                String carrier = CARRIERS[random.nextInt(CARRIERS.length)];
                yield at -> new ShipOrder(tracking, carrier, at);
            }
            case DELIVER -> DeliverOrder::new;
            case CANCEL -> {
                String reason = CANCEL_REASONS[random.nextInt(CANCEL_REASONS.length)];
                yield at -> new CancelOrder(reason, at);
            }
            case RETURN -> {
                String reason = RETURN_REASONS[random.nextInt(RETURN_REASONS.length)];
                yield at -> new ReturnOrder(reason, at);
            }
            case REFUND -> {
                String refundId = "re_" + Long.toHexString(random.nextLong());
                BigDecimal amount = refundAmount();
                yield at -> new RefundOrder(refundId, amount, null, at);
            }
        };
    }

    /** Half the total for the first of two refunds; otherwise everything left ({@code null}). */
    private @Nullable BigDecimal refundAmount() {
        boolean twoRefunds = plan[plan.length - 1] == Verb.REFUND && plan[plan.length - 2] == Verb.REFUND;
        if (twoRefunds && refunds == 0) {
            long half = LineItem.total(items) / 2;
            return half == 0 ? null : new Money(half, currency).decimal();
        }
        return null;
    }

    private BigDecimal total() {
        return new Money(LineItem.total(items), currency).decimal();
    }

    /** Records that the next command succeeded, the order now being at {@code newVersion} with id {@code id}. */
    void succeeded(String id, long newVersion) {
        if (plan[next] == Verb.REFUND) {
            refunds++;
        }
        orderId = id;
        version = newVersion;
        next++;
    }
}
