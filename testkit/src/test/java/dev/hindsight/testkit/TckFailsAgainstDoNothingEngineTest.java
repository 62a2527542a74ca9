package dev.hindsight.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedEvent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Proves that every capability suite can fail: runs the whole TCK against an engine that stores nothing and checks
 * that each nested suite of {@link EventLogTck} reports at least one failed test.
 */
class TckFailsAgainstDoNothingEngineTest {

    @Test
    void tck_againstDoNothingEngine_failsInEveryCapability() {
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        FailuresPerSuite failures = new FailuresPerSuite();
        Launcher launcher = LauncherFactory.create();

        launcher.execute(request().selectors(selectClass(DoNothingTck.class)).build(), summary, failures);

        TestExecutionSummary s = summary.getSummary();
        Set<String> suites = Arrays.stream(EventLogTck.class.getDeclaredClasses())
                .filter(c -> c.isAnnotationPresent(Nested.class))
                .map(Class::getSimpleName)
                .collect(Collectors.toSet());
        assertThat(suites).hasSizeGreaterThanOrEqualTo(9);
        assertThat(s.getContainersFailedCount()).as("containers failed").isZero();
        assertThat(failures.started.keySet()).as("suites that ran tests").containsExactlyInAnyOrderElementsOf(suites);
        assertThat(s.getTestsFailedCount()).isPositive();
        for (String suite : suites) {
            assertThat(failures.failed.getOrDefault(suite, 0L))
                    .as("failed tests in %s (of %s run)", suite, failures.started.get(suite))
                    .isPositive();
        }
    }

    /** Counts started and failed tests per nested suite, by the {@code nested-class} segment of their unique id. */
    private static final class FailuresPerSuite implements TestExecutionListener {
        final Map<String, Long> started = new ConcurrentHashMap<>();
        final Map<String, Long> failed = new ConcurrentHashMap<>();

        @Override
        public void executionStarted(TestIdentifier id) {
            if (id.isTest()) {
                started.merge(suiteOf(id), 1L, Long::sum);
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest() && result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                failed.merge(suiteOf(id), 1L, Long::sum);
            }
        }

        private static String suiteOf(TestIdentifier id) {
            return UniqueId.parse(id.getUniqueId()).getSegments().stream()
                    .filter(s -> s.getType().equals("nested-class"))
                    .map(UniqueId.Segment::getValue)
                    .findFirst()
                    .orElse("(top level)");
        }
    }

    /**
     * The TCK bound to {@link DoNothingEventLog}. A static nested class without a test-like name: Surefire's default
     * includes never select it, only the launcher above does.
     */
    static class DoNothingTck extends EventLogTck {
        @Override
        protected EventLog openEmptyLog() {
            return new DoNothingEventLog();
        }
    }

    /** Accepts every append with a plausible result and stores nothing. Thread-safe. */
    static final class DoNothingEventLog implements EventLog {
        private final AtomicLong positions = new AtomicLong();

        @Override
        public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
            long first = expected instanceof ExpectedVersion.Exact x ? x.version() + 1 : 1;
            return new AppendResult(
                    aggregateId, first, first + events.size() - 1, Position.of(positions.addAndGet(events.size())));
        }

        @Override
        public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection d) {
            return List.of();
        }

        @Override
        public long aggregateVersion(String aggregateId) {
            return 0;
        }

        @Override
        public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
            return new GlobalSlice(List.of(), after);
        }

        @Override
        public Position head() {
            return Position.START;
        }

        @Override
        public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
            // Sleep briefly so a subscription polling this log does not spin a core.
            Thread.sleep(Math.min(timeout.toMillis(), 5));
            return false;
        }

        @Override
        public void close() {}
    }
}
