package dev.hindsight.testkit;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.spi.EventLog;
import java.util.List;

/**
 * A log whose first page from the start is empty and ends at {@code gapEnd}, as a page over deleted positions
 * (retention, a filter that skips everything) reads: readers must move on to the page's {@code next} rather than
 * treat the empty page as the end or read it again. Every other call goes to the delegate.
 */
public final class GapAfterStartLog extends ForwardingEventLog {
    private final Position gapEnd;

    public GapAfterStartLog(EventLog delegate, Position gapEnd) {
        super(delegate);
        this.gapEnd = gapEnd;
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        return after.equals(Position.START)
                ? new GlobalSlice(List.of(), gapEnd)
                : delegate.readAll(after, limit, filter);
    }
}
