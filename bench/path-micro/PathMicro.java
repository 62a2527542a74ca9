package dev.hindsight.server.internal;

import dev.hindsight.core.*;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.spi.*;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;

/**
 * The server's own CPU per request on the two append paths, without Jetty and with an engine that does nothing: request
 * parsing ({@code BodyReader} since session 14, {@code RequestTree} before; {@code AppendRequest}, {@code BulkAppend}), the store's validation and canonical JSON,
 * and the answer. Thread CPU time, so that other work on the machine skews it less than a rate. Compiled and run
 * against a build's {@code cli/target/hindsight.jar} by {@code bench/path-micro.sh} (package-private server classes:
 * the file is not part of any module). Usage: {@code PathMicro bulk|single SECONDS} (as warm-up, then measured).
 */
public class PathMicro {
    static final String EV = "{\"event_type\":\"OrderCreated\",\"event_data\":{\"user_id\":\"user_12345\",\"currency\":\"USD\",\"items\":[{\"sku\":\"book-4711\",\"quantity\":2,\"unit_price\":19.99}],\"total_amount\":39.98},\"metadata\":{\"user_id\":\"user_12345\",\"correlation_id\":\"req_loadgen\"}}";

    record NullLog(AppendResult fixed) implements EventLog {
        public AppendResult append(String a, ExpectedVersion e, List<ProposedEvent> ev) { return fixed; }
        public List<AppendOutcome> appendAll(List<ProposedAppend> appends) {
            List<AppendOutcome> out = new ArrayList<>(appends.size());
            for (int i = 0; i < appends.size(); i++) out.add(AppendOutcome.of(fixed));
            return out;
        }
        public List<RecordedEvent> readAggregate(String a, long f, int l, ReadDirection d) { throw new UnsupportedOperationException(); }
        public long aggregateVersion(String a) { return 0; }
        public GlobalSlice readAll(Position after, int limit, EventFilter filter) { throw new UnsupportedOperationException(); }
        public Position head() { return fixed.position(); }
        public boolean awaitAfter(Position after, Duration timeout) { return false; }
        public void close() {}
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int seconds = Integer.parseInt(args[1]);
        InMemoryEventLog mem = new InMemoryEventLog();
        AppendResult fixed = EventStore.of(mem).append("x", ExpectedVersion.ANY, EventData.of("T", "{}"));
        EventStore store = EventStore.of(new NullLog(fixed));
        StringBuilder sb = new StringBuilder("{\"appends\":[");
        for (int i = 1; i <= 100; i++) {
            sb.append(i > 1 ? "," : "").append("{\"aggregate_id\":\"bulk-123456789-0-1-").append(i).append("\",\"expected_version\":\"no_stream\",\"events\":").append(EV).append('}');
        }
        byte[] bulk = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        byte[] single = EV.getBytes(StandardCharsets.UTF_8);
        var mx = ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int phase = 0; phase < 2; phase++) { // warm-up, then measured
            long cpu0 = mx.getCurrentThreadCpuTime();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long n = 0;
            while (System.nanoTime() < end) {
                for (int k = 0; k < 20; k++) {
                    if (mode.equals("bulk")) {
                        List<BulkAppend.Outcome> o = BulkAppend.run(store, bulk, id -> true);
                        sink += JsonOut.write(g -> BulkAppend.write(g, o)).length;
                    } else {
                        List<EventData> ev = AppendRequest.parse(single);
                        AppendResult r = store.append("wrk-1-0-" + n, ExpectedVersion.NO_STREAM, ev);
                        sink += JsonOut.write(g -> { g.writeStartObject(); g.writeStringField("aggregate_id", r.aggregateId()); g.writeEndObject(); }).length;
                    }
                    n++;
                }
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            if (phase == 1) System.out.printf("%s: %.2f µs CPU per request (%d requests)%n", mode, cpu / 1000.0 / n, n);
        }
        if (sink == 42) System.out.println();
    }
}
