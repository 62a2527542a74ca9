package dev.hindsight.testkit;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.spi.EventLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of every capability suite: opens a fresh, empty log before each test and closes it after. Test instances are
 * not shared between threads by JUnit; the tests themselves start and join their own threads.
 */
public abstract class TckFixture {
    /** The engine under test, fresh and empty for each test. */
    protected EventLog log;
    /** The user API over {@link #log}, with default limits, the system clock and random event ids. */
    protected EventStore store;

    /**
     * Opens an empty log of the engine under test. Called once before every test; the suite closes the log after it.
     *
     * @throws Exception if the engine cannot be opened (the test fails)
     */
    protected abstract EventLog openEmptyLog() throws Exception;

    @BeforeEach
    final void openLog() throws Exception {
        log = openEmptyLog();
        store = EventStore.of(log);
    }

    @AfterEach
    final void closeLog() {
        log.close();
    }
}
