package dev.hindsight.server;

import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.testkit.ForwardingEventLog;

/** An in-memory log behind a wrapper whose methods tests override (a gated or a redirecting append). */
abstract class ForwardingLog extends ForwardingEventLog {
    final InMemoryEventLog inner;

    ForwardingLog() {
        this(new InMemoryEventLog());
    }

    private ForwardingLog(InMemoryEventLog inner) {
        super(inner);
        this.inner = inner;
    }
}
