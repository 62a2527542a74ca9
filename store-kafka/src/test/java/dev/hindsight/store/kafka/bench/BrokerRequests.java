package dev.hindsight.store.kafka.bench;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Counts of the requests the in-process brokers served, by API (and the errors they answered), read from their JMX
 * request metrics ({@code kafka.network:type=RequestMetrics}); the brokers of one JVM share one metrics registry, so
 * the counts are the cluster's. Used to see what a writer costs the brokers per transaction: produce requests,
 * AddPartitionsToTxn (absent under transaction version 2, KIP-890), EndTxn, the markers, and CONCURRENT_TRANSACTIONS
 * retries. Not thread-safe (one benchmark thread).
 */
final class BrokerRequests {
    private static final String[] APIS = {
        "Produce", "AddPartitionsToTxn", "AddOffsetsToTxn", "TxnOffsetCommit", "EndTxn", "WriteTxnMarkers"
    };

    private Map<String, Long> last = counts();

    /** The requests (and errors other than NONE) since the last call, as {@code API=n} pairs. */
    String sinceLast() {
        Map<String, Long> now = counts();
        StringBuilder s = new StringBuilder();
        now.forEach((k, v) -> {
            long d = v - last.getOrDefault(k, 0L);
            if (d > 0
                    && (k.startsWith("error ") || java.util.Arrays.asList(APIS).contains(k))) {
                s.append(s.isEmpty() ? "" : ", ").append(k).append('=').append(d);
            }
        });
        last = now;
        return s.toString();
    }

    private static Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            for (ObjectName n : server.queryNames(
                    new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
                counts.merge(n.getKeyProperty("request"), (Long) server.getAttribute(n, "Count"), Long::sum);
            }
            for (ObjectName n :
                    server.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=ErrorsPerSec,*"), null)) {
                String error = n.getKeyProperty("error");
                if (!"NONE".equals(error)) {
                    counts.merge(
                            "error " + n.getKeyProperty("request") + "/" + error,
                            (Long) server.getAttribute(n, "Count"),
                            Long::sum);
                }
            }
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("reading the brokers' request metrics", e);
        }
        return counts;
    }
}
