package dev.hindsight.testkit;

import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.spi.EventLog;

/** The reference engine passes the whole conformance suite. */
class InMemoryEventLogTckTest extends EventLogTck {
    @Override
    protected EventLog openEmptyLog() {
        return new InMemoryEventLog();
    }
}
