package dev.hindsight.client.internal;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens to the server's live feed ({@code GET /api/events/live}, Server-Sent Events) on a virtual thread and wakes up
 * whoever waits for new events. Resumes after a broken connection with {@code Last-Event-ID} (the last position it saw),
 * after a short back-off. It only signals: readers fetch the events themselves from the global log, so a missed frame
 * costs at most one poll interval, never an event. Started lazily by the first waiter. Thread-safe; {@code lock} guards
 * {@code generation}, {@code started} and {@code closed}.
 */
public final class LiveSignal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveSignal.class);
    private static final Duration RECONNECT = Duration.ofMillis(200);

    private final Http http;
    private final Object lock = new Object();
    private long generation;
    private boolean started;
    private boolean closed;
    private volatile @Nullable String lastEventId;
    private volatile @Nullable InputStream body;
    private @Nullable Thread thread;

    public LiveSignal(Http http) {
        this.http = http;
    }

    /** The current generation: it grows with every event frame (and on close). */
    public long generation() {
        synchronized (lock) {
            startIfNeeded();
            return generation;
        }
    }

    /**
     * Waits until the generation has moved past {@code seen} or {@code timeout} passes.
     *
     * @return whether it moved
     */
    public boolean awaitChange(long seen, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            startIfNeeded();
            while (generation == seen && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return generation != seen;
        }
    }

    private void startIfNeeded() {
        if (!started && !closed) {
            started = true;
            thread = Thread.ofVirtual().name("hindsight-client-live").start(this::run);
        }
    }

    private void run() {
        while (!isClosed()) {
            try {
                listenOnce();
            } catch (Exception e) {
                if (isClosed()) {
                    return;
                }
                LOG.debug("live feed of {} broke off; resuming after {}", http.base(), lastEventId, e);
            }
            bump(); // a gap in the feed: let waiters look for themselves
            try {
                Thread.sleep(RECONNECT);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void listenOnce() throws Exception {
        HttpRequest.Builder r =
                HttpRequest.newBuilder(http.uri("/api/events/live")).GET();
        String last = lastEventId;
        if (last != null) {
            r.header("Last-Event-ID", last);
        }
        HttpResponse<InputStream> res = http.client().send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = res.body()) {
            if (res.statusCode() != 200) {
                throw new IllegalStateException("live feed answered HTTP " + res.statusCode());
            }
            body = in;
            if (isClosed()) {
                return;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("id:")) {
                    lastEventId = line.substring(3).trim();
                } else if (line.isEmpty() && lastEventId != null) {
                    bump();
                }
            }
        } finally {
            body = null;
        }
    }

    private void bump() {
        synchronized (lock) {
            generation++;
            lock.notifyAll();
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Stops listening and wakes every waiter. Idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            generation++;
            lock.notifyAll();
            t = thread;
        }
        InputStream in = body;
        if (in != null) {
            try {
                in.close();
            } catch (Exception e) {
                LOG.debug("closing the live feed", e);
            }
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
