package dev.hindsight.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One role of a worker process ({@code read-model} or {@code snapshots}) run under its {@link RoleLease}: the process
 * waits as a standby until it gets the lease, then starts the role, which resumes from the checkpoint committed by
 * whoever ran it before; if the lease is lost (its connection dropped) the role is stopped and the process waits again.
 * So two processes of a role never both run it for longer than one check interval after a lost connection, and a
 * killed active process (whose lock PostgreSQL drops with its session) is replaced within one interval. Thread-safe.
 */
final class LeasedRole implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeasedRole.class);

    /** The default time between lease checks (and attempts while standing by). */
    static final Duration CHECK = Duration.ofMillis(500);

    private final String role;
    private final RoleLease lease;
    private final Supplier<List<AutoCloseable>> starter;
    private final Duration check;
    private final Thread thread;
    private final List<AutoCloseable> running = new ArrayList<>(); // guarded by this
    private volatile boolean active;
    private volatile boolean closed;

    /**
     * @param starter starts the role and returns what to close to stop it, in order
     */
    LeasedRole(String role, RoleLease lease, Supplier<List<AutoCloseable>> starter, Duration check) {
        this.role = role;
        this.lease = lease;
        this.starter = starter;
        this.check = check;
        this.thread =
                Thread.ofPlatform().name("hindsight-lease-" + role).daemon(true).unstarted(this::loop);
    }

    LeasedRole start() {
        thread.start();
        return this;
    }

    String role() {
        return role;
    }

    /** Whether this process runs the role now (else it stands by). */
    boolean active() {
        return active;
    }

    private void loop() {
        boolean announced = false;
        while (!closed) {
            try {
                if (!active) {
                    if (lease.tryAcquire()) {
                        startRole();
                    } else if (!announced) {
                        LOG.info("{}: standby; another process holds {}", role, lease);
                        announced = true;
                    }
                } else if (!lease.held()) {
                    LOG.warn("{}: lost {} (its connection dropped): stopping the role and standing by", role, lease);
                    stopRole();
                    announced = false;
                }
                Thread.sleep(check);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void startRole() {
        List<AutoCloseable> parts;
        try {
            parts = starter.get();
        } catch (RuntimeException e) {
            LOG.warn("{}: cannot start the role; giving {} back and retrying", role, lease, e);
            lease.release();
            return;
        }
        synchronized (this) {
            if (closed) {
                WorkerProcess.closeQuietly(parts);
                return;
            }
            running.addAll(parts);
            active = true;
        }
        LOG.info("{}: active (holding {})", role, lease);
    }

    private void stopRole() {
        List<AutoCloseable> parts;
        synchronized (this) {
            parts = List.copyOf(running);
            running.clear();
            active = false;
        }
        WorkerProcess.closeQuietly(parts);
        lease.release();
    }

    /** Stops the role if it runs and gives the lease up. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopRole();
    }

    @Override
    public String toString() {
        return "role " + role;
    }
}
