package dev.hindsight.store.file;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.WrongExpectedVersionException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Child JVM for the crash test: appends from many threads until killed, printing {@code ACK aggregate version id}
 * for every acknowledged event, only after {@code append} returned.
 */
public final class CrashChild {
    private CrashChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        String round = args[2];
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
        EventStore store = EventStore.of(FileEventLog.open(
                FileLogOptions.defaults(dir).withSegmentBytes(1 << 20).withMemtableEvents(1024)));
        out.println("READY");
        out.flush();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(Thread.ofPlatform().start(() -> run(store, out, round, id)));
        }
        for (Thread t : ts) {
            t.join();
        }
    }

    private static void run(EventStore store, PrintStream out, String round, int thread) {
        long i = 0;
        while (true) {
            i++;
            String agg = (thread % 2 == 0) ? "shared-" + (i % 5) : "own-" + round + "-" + thread;
            int n = 1 + (int) (i % 4);
            List<EventData> batch = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                batch.add(new EventData(
                        UUID.randomUUID(),
                        "Crashed",
                        1,
                        "{\"thread\":" + thread + ",\"i\":" + i + ",\"k\":" + k + ",\"pad\":\"" + "p".repeat(k * 40)
                                + "\"}",
                        null));
            }
            try {
                long v = store.log().aggregateVersion(agg);
                AppendResult r = store.append(agg, ExpectedVersion.exact(v), batch);
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < n; k++) {
                    sb.append("ACK ")
                            .append(agg)
                            .append(' ')
                            .append(r.firstVersion() + k)
                            .append(' ')
                            .append(batch.get(k).eventId())
                            .append('\n');
                }
                synchronized (out) {
                    out.print(sb);
                    out.flush();
                }
            } catch (WrongExpectedVersionException e) {
                // contention on shared aggregates: retry with the new version
            }
        }
    }
}
