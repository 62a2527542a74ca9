package dev.hindsight.core;

/** The aggregate's version did not match the append's expected version. Nothing was changed; reload and retry. */
public class WrongExpectedVersionException extends HindsightException.TransientException {
    private final String aggregateId;
    private final ExpectedVersion expected;
    private final long actual;

    public WrongExpectedVersionException(String aggregateId, ExpectedVersion expected, long actual) {
        super("aggregate '" + aggregateId + "' is at version " + actual + ", expected " + expected, null);
        this.aggregateId = aggregateId;
        this.expected = expected;
        this.actual = actual;
    }

    public String aggregateId() {
        return aggregateId;
    }

    public ExpectedVersion expected() {
        return expected;
    }

    public long actual() {
        return actual;
    }

    @Override
    public String code() {
        return "wrong_expected_version";
    }
}
