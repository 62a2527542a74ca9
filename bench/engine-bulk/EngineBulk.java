import dev.hindsight.core.*;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

/** The bulk shape through the Java API: T threads, each appendAll of 100 new aggregates x 1 event (the bench event), durable. */
public class EngineBulk {
    static final String DATA = "{\"user_id\":\"user_12345\",\"currency\":\"USD\",\"items\":[{\"sku\":\"book-4711\",\"quantity\":2,\"unit_price\":19.99}],\"total_amount\":39.98}";
    static final String META = "{\"user_id\":\"user_12345\",\"correlation_id\":\"req_loadgen\"}";
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]); int threads = Integer.parseInt(a[1]); int warm = Integer.parseInt(a[2]); int secs = Integer.parseInt(a[3]);
        try (FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir))) {
            EventStore store = EventStore.of(log);
            AtomicLong events = new AtomicLong(); AtomicLong errors = new AtomicLong();
            long[] window = new long[2];
            long start = System.nanoTime(), warmEnd = start + warm * 1_000_000_000L, end = warmEnd + secs * 1_000_000_000L;
            ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
            List<Future<?>> fs = new ArrayList<>();
            String run = Long.toString(System.nanoTime());
            for (int t = 0; t < threads; t++) {
                int tid = t;
                fs.add(ex.submit(() -> {
                    long c = 0;
                    while (System.nanoTime() < end) {
                        List<Append> batch = new ArrayList<>(100);
                        for (int i = 0; i < 100; i++)
                            batch.add(new Append("bulk-" + run + "-" + tid + "-" + c + "-" + i, ExpectedVersion.NO_STREAM,
                                    List.of(new EventData(null, "OrderCreated", 1, DATA, META))));
                        c++;
                        List<AppendOutcome> out = store.appendAll(batch);
                        long now = System.nanoTime();
                        for (AppendOutcome o : out) if (!o.ok()) errors.incrementAndGet();
                        if (now > warmEnd) events.addAndGet(out.size());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            System.out.printf("engine bulk shape: %d threads x appendAll(100 aggregates x 1 event): %,.0f events/s (%d errors)%n", threads, events.get() / (double) secs, errors.get());
        }
    }
}
