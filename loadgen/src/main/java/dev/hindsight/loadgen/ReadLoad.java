package dev.hindsight.loadgen;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Reads over HTTP beside the writes, open-loop at a fixed total rate, in turn: an order load
 * ({@code GET /api/orders/{id}}, the write side: snapshot + events), a read-model query by customer
 * ({@code GET /api/orders?user_id=}) and one by status ({@code GET /api/orders?status=}), each the first page of 50,
 * newest first. Orders and customers are picked from those created in this run and from a sample of the store taken
 * at the start. Latency counts from when a read was due. Not thread-safe: start and stop once.
 */
final class ReadLoad {
    private static final String[] STATUSES = {
        "created", "paid", "shipped", "delivered", "cancelled", "returned", "refunded"
    };
    private static final int MAX_IN_FLIGHT = 64;

    private final HttpJson http;
    private final double rate;
    private final List<Target.OrderRef> sampled;
    private final Reservoir<OrderRun> created;
    private final SplittableRandom random;
    private final Semaphore permits = new Semaphore(MAX_IN_FLIGHT);
    final LatencyHistogram loads = new LatencyHistogram();
    final LatencyHistogram byUser = new LatencyHistogram();
    final LatencyHistogram byStatus = new LatencyHistogram();
    final Errors errors = new Errors();
    private volatile boolean running;
    private @Nullable Thread scheduler;

    ReadLoad(HttpJson http, double rate, List<Target.OrderRef> sampled, Reservoir<OrderRun> created, long seed) {
        this.http = http;
        this.rate = rate;
        this.sampled = List.copyOf(sampled);
        this.created = created;
        this.random = new SplittableRandom(seed);
    }

    void start() {
        running = true;
        scheduler = Thread.ofVirtual().name("loadgen-reads").start(this::schedule);
    }

    /** Stops issuing reads and waits for those in flight. */
    void stop() throws InterruptedException {
        running = false;
        if (scheduler != null) {
            scheduler.join();
        }
    }

    private void schedule() {
        long t0 = System.nanoTime();
        double interval = 1e9 / rate;
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; running; i++) {
                long due = t0 + (long) (i * interval);
                long left;
                while ((left = due - System.nanoTime()) > 0 && running) {
                    LockSupport.parkNanos(Math.min(left, 50_000_000L));
                }
                if (!running) {
                    break;
                }
                Target.OrderRef ref = pick();
                if (ref == null) {
                    continue;
                }
                int kind = (int) (i % 3);
                String status = STATUSES[random.nextInt(STATUSES.length)];
                permits.acquireUninterruptibly();
                readers.execute(() -> read(kind, ref, status, due));
            }
        }
    }

    private Target.@Nullable OrderRef pick() {
        boolean fromSample = !sampled.isEmpty() && (created.seen() == 0 || random.nextBoolean());
        if (fromSample) {
            return sampled.get(random.nextInt(sampled.size()));
        }
        OrderRun run = created.pick();
        return run == null ? null : new Target.OrderRef(run.orderId(), run.userId());
    }

    private void read(int kind, Target.OrderRef ref, String status, long due) {
        try {
            String what;
            LatencyHistogram h;
            String path;
            switch (kind) {
                case 0 -> {
                    what = "order load";
                    h = loads;
                    path = "/api/orders/" + ref.orderId();
                }
                case 1 -> {
                    what = "query by user";
                    h = byUser;
                    path = "/api/orders?limit=50&user_id=" + ref.userId();
                }
                default -> {
                    what = "query by status";
                    h = byStatus;
                    path = "/api/orders?limit=50&status=" + status;
                }
            }
            HttpJson.Response r = http.get(path);
            long done = System.nanoTime();
            if (r.ok()) {
                h.recordNanos(done - due);
            } else {
                errors.record(what + ": HTTP " + r.status(), r.body());
            }
        } catch (RuntimeException e) {
            errors.record("read", e);
        } finally {
            permits.release();
        }
    }
}
