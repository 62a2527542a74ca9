package dev.hindsight.server.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Closes connections that take longer than the header timeout to send a complete request header: counted from the
 * moment the connection opened or its previous request completed, while no request of it is being handled. Jetty's idle
 * timeout alone restarts on every byte, so a client trickling a header (slowloris) would hold its connection forever.
 * Register it as the server's outermost handler and as a {@link Connection.Listener} bean of each connector.
 * Thread-safe.
 */
public final class SlowClientGuard extends Handler.Wrapper implements Connection.Listener, AutoCloseable {
    private final long timeoutNanos;
    private final Map<Connection, State> connections = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    /** A connection's state: requests in handling, and since when it has had none. */
    private static final class State {
        final AtomicInteger active = new AtomicInteger();
        volatile long idleSince = System.nanoTime();
    }

    public SlowClientGuard(Duration headerTimeout) {
        this.timeoutNanos = headerTimeout.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hindsight-slow-client-guard");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(50, Math.min(1_000, headerTimeout.toMillis() / 4));
        timer.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        connections.put(connection, new State());
    }

    @Override
    public void onClosed(Connection connection) {
        connections.remove(connection);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        State s = connections.get(request.getConnectionMetaData().getConnection());
        if (s != null) {
            s.active.incrementAndGet();
            Request.addCompletionListener(request, failure -> {
                s.idleSince = System.nanoTime();
                s.active.decrementAndGet();
            });
        }
        return super.handle(request, response, callback);
    }

    private void sweep() {
        long now = System.nanoTime();
        connections.forEach((c, s) -> {
            if (s.active.get() == 0 && now - s.idleSince > timeoutNanos) {
                connections.remove(c);
                c.close();
            }
        });
    }

    /** Connections it watches now (for tests). */
    public int watched() {
        return connections.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
