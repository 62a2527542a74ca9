package dev.hindsight.core.spi;

import dev.hindsight.core.RecordedEvent;

/**
 * The byte budget of one page of the global log ({@link EventLog#readAll}): an engine stops adding events to a page
 * once the events already in it hold {@link #BYTES} or more, so a page holds at most the budget plus one event, and
 * always at least one event when one follows the cursor (paging still moves on, whatever the event's size). Without
 * it a page of {@code limit} events is built in memory whole before anyone can stream it: 10,000 events of 1 MiB
 * (the largest page and event the server accepts) are 10 GB per request. Readers already take short pages (the page
 * contract: read on from {@code next}).
 *
 * <p>Events count with {@link #bytes}: the characters of their data and metadata, which is their UTF-8 size for ASCII
 * JSON and about what their strings hold on the heap. Counting only adds up two lengths an engine has in hand, so
 * pages of small events cost nothing more. Stateless.
 */
public final class PageBudget {
    /**
     * 4 MiB, the largest append (four 1 MiB events): a page never stops before the events one append may write, a
     * page of 1,000 events reaches it only when they average over 4 KiB (typical events are a few hundred bytes), and
     * a hundred concurrent pages of big events take about 0.5 GB of heap, not 100 GB.
     */
    public static final long BYTES = 4L << 20;

    private PageBudget() {}

    /** What {@code event} counts against the budget: the characters of its data and metadata. */
    public static long bytes(RecordedEvent event) {
        return (long) event.eventData().length() + event.metadata().length();
    }

    /**
     * Whether {@code page} holds the budget: a page that does may have stopped short of its limit because of the
     * budget, not because nothing more was visible, so a reader should read on at once rather than wait for commits.
     */
    public static boolean filled(java.util.List<RecordedEvent> page) {
        long sum = 0;
        for (RecordedEvent e : page) {
            sum += bytes(e);
            if (sum >= BYTES) {
                return true;
            }
        }
        return false;
    }
}
