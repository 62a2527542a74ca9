package dev.hindsight.testkit;

import dev.hindsight.core.spi.EventLog;
import org.junit.jupiter.api.Nested;

/**
 * The whole conformance suite for one storage engine. An engine's test class extends it and says how to open an empty
 * log; every capability then runs as a nested suite:
 *
 * <pre>{@code
 * class FileEventLogTckTest extends EventLogTck {
 *     @TempDir static Path dir;
 *
 *     @Override
 *     protected EventLog openEmptyLog() {
 *         return FileEventLog.open(FileLogOptions.defaults(dir.resolve(UUID.randomUUID().toString())));
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #openEmptyLog()} is called before every test and must return a new, empty log; the suite closes it after
 * the test. Nothing is skipped: capabilities that differ between engines branch on what the engine declares (for
 * example {@link EventLog#totallyOrdered()}) and check the weaker guarantee instead. Each nested class delegates to a
 * top-level {@code *Tck} class, which an engine may also extend on its own to run a single capability.
 *
 * <p>The suites start threads and subscriptions but leave none running after a test. Instances are confined to the
 * JUnit thread that runs them.
 */
public abstract class EventLogTck {
    /**
     * System property: how many times longer than the default the concurrency suites' workers may take (default 1),
     * for engines whose every append is a replicated round trip. The suites check what is stored, not how fast.
     */
    public static final String WORK_SCALE_PROPERTY = "hindsight.tck.workScale";

    /**
     * Opens a new, empty log of the engine under test.
     *
     * @throws Exception if the engine cannot be opened (the test fails)
     */
    protected abstract EventLog openEmptyLog() throws Exception;

    /**
     * The largest event (characters of data) the engine under test, as {@link #openEmptyLog} configures it, can store;
     * the global log's byte-budget tests append events of half a MiB, or of this size and more of them where it is
     * smaller. Default: no limit short of the store's own 1 MiB.
     */
    protected int largestEventChars() {
        return Integer.MAX_VALUE;
    }

    @Nested
    class AppendAndRead extends AppendReadTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }

    @Nested
    class BatchedAppends extends AppendAllTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }

    @Nested
    class ExpectedVersions extends ExpectedVersionTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }

    @Nested
    class Concurrency extends ConcurrencyTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }

    @Nested
    class Idempotency extends IdempotencyTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }

    @Nested
    class TimestampOrder extends TimestampOrderTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }

    @Nested
    class AsOfReads extends AsOfReadTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }

    @Nested
    class GlobalLog extends GlobalLogTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }

        @Override
        protected int largestEventChars() {
            return EventLogTck.this.largestEventChars();
        }
    }

    @Nested
    class Subscriptions extends SubscriptionTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }

    @Nested
    class Validation extends ValidationTck {
        @Override
        protected EventLog openEmptyLog() throws Exception {
            return EventLogTck.this.openEmptyLog();
        }
    }
}
