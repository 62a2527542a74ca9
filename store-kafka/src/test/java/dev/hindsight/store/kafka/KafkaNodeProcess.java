package dev.hindsight.store.kafka;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.HindsightException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * A Hindsight node in its own JVM for kill tests: opens the store on {@code args[0]} (bootstrap), {@code args[1]}
 * (topic), {@code args[2]} (index dir), prints {@code READY}, then appends forever to aggregates
 * {@code node-0..node-7} in turn with exact expected versions, printing {@code ACK <aggregate> <version> <event id>} for
 * each acknowledged append. Appends this node may not make (another node owns the partition) are skipped.
 */
public final class KafkaNodeProcess {
    private KafkaNodeProcess() {}

    public static void main(String[] args) throws Exception {
        KafkaOptions options = KafkaOptions.defaults(args[0], args[1], Path.of(args[2]))
                .withTopicLayout(Integer.parseInt(args[3]), 1, 1)
                .withTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(6), Duration.ofSeconds(15));
        KafkaEventLog log = KafkaEventLog.open(options);
        EventStore store = EventStore.of(log);
        long[] versions = new long[8];
        System.out.println("READY");
        System.out.flush();
        for (long n = 0; ; n++) {
            int a = (int) (n % versions.length);
            String aggregate = "node-" + a;
            UUID id = UUID.randomUUID();
            try {
                AppendResult r = store.append(
                        aggregate,
                        ExpectedVersion.exact(versions[a]),
                        EventData.of("Ticked", "{}").withId(id));
                versions[a] = r.lastVersion();
                System.out.println("ACK " + aggregate + " " + r.lastVersion() + " " + id);
                System.out.flush();
            } catch (HindsightException.TransientException e) {
                versions[a] = log.aggregateVersion(aggregate);
                Thread.sleep(5);
            }
        }
    }
}
