package dev.hindsight.core.internal;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventHandler;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.Subscription;
import dev.hindsight.core.spi.EventLog;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one subscription on a virtual thread: pages through {@link EventLog#readAll} (catch-up), and when it reaches
 * the head, blocks in {@link EventLog#awaitAfter} until more is committed (live). Because {@code readAll} is gap-free by
 * the engine contract, no event is missed; because the cursor only moves past delivered events, none repeats. While the
 * engine is unavailable ({@link StoreUnavailableException}: a database or remote server out of reach) it reads again
 * from the same cursor every {@code UNAVAILABLE_RETRY}; any other failure ends it. Thread-safe.
 */
public final class SubscriptionWorker implements Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionWorker.class);
    private static final int PAGE = 512;
    private static final Duration WAIT = Duration.ofMillis(500);

    private final EventLog log;
    private final EventFilter filter;
    private final EventHandler handler;
    private final Thread thread;
    private volatile Position position;
    private volatile boolean running = true;
    private volatile @Nullable Throwable failure;

    private final java.util.function.Consumer<SubscriptionWorker> onEnd;

    public SubscriptionWorker(
            EventLog log,
            Position after,
            EventFilter filter,
            EventHandler handler,
            String name,
            java.util.function.Consumer<SubscriptionWorker> onEnd) {
        this.onEnd = onEnd;
        this.log = log;
        this.position = after;
        this.filter = filter;
        this.handler = handler;
        this.thread = Thread.ofVirtual().name("subscription-" + name).unstarted(this::run);
    }

    public SubscriptionWorker start() {
        thread.start();
        return this;
    }

    /** Pause before reading again while the store is unavailable. */
    private static final Duration UNAVAILABLE_RETRY = Duration.ofMillis(200);

    private void run() {
        try {
            while (running) {
                GlobalSlice slice;
                try {
                    slice = log.readAll(position, PAGE, filter);
                } catch (StoreUnavailableException e) {
                    // the engine (a database, a remote server) is unreachable for now: wait and read again from the
                    // same position, so an outage delays the subscription instead of ending it
                    LOG.debug("subscription {} waits for the store at {}", thread.getName(), position, e);
                    Thread.sleep(UNAVAILABLE_RETRY);
                    continue;
                }
                for (RecordedEvent e : slice.events()) {
                    if (!running) {
                        return;
                    }
                    handler.handle(e);
                    position = position.advanceTo(e.position());
                }
                position = slice.next();
                if (slice.events().isEmpty()) {
                    log.awaitAfter(position, WAIT);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (running) {
                LOG.warn("subscription {} stopped at {}", thread.getName(), position, t);
                failure = t;
            }
        } finally {
            running = false;
            onEnd.accept(this);
        }
    }

    @Override
    public Position position() {
        return position;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() {
        running = false;
        if (Thread.currentThread() != thread) {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
