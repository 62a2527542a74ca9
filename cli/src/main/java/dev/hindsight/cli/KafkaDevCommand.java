package dev.hindsight.cli;

import dev.hindsight.store.kafka.dev.KafkaDevCluster;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight kafka-dev}: a local KRaft Kafka cluster in this process (the bundled {@code kafka_2.13} jars, no
 * other install), until SIGTERM / Ctrl-C. Prints the bootstrap address as the only line on stdout, so a script can
 * read it; the data directory keeps topics across restarts. Not thread-safe: one run per instance.
 */
@Command(
        name = "kafka-dev",
        mixinStandardHelpOptions = true,
        description = "Run a local KRaft Kafka cluster (1 or 3 brokers on 127.0.0.1) for trying --store kafka and"
                + " --publish. Prints the bootstrap address; SIGTERM or Ctrl-C stops it; the data directory keeps"
                + " its topics.")
final class KafkaDevCommand implements Callable<Integer> {
    static final int MAX_BROKERS = 5;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--brokers",
            defaultValue = "1",
            description = "Brokers (combined broker+controller nodes), 1 to " + MAX_BROKERS + "; 3 gives the"
                    + " replication the Kafka engine defaults to (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(
            names = "--port",
            defaultValue = "9092",
            description = "Port of the first broker, the others on the following ports; 0 picks free ports"
                    + " (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--data-dir",
            defaultValue = "./kafka-data",
            description = "Where the brokers keep their logs; starting again on it reopens the same cluster"
                    + " (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--node",
            paramLabel = "I",
            description = "Run only node I (0 to brokers-1) of the cluster in this process, so that each node is its"
                    + " own process (and can be killed on its own): start one kafka-dev per node with the same"
                    + " --brokers, --port (not 0) and --data-dir. Broker I listens on port+I, its controller on"
                    + " port+brokers+I.")
    @Nullable
    Integer node;

    @Override
    public Integer call() throws InterruptedException {
        if (brokers < 1 || brokers > MAX_BROKERS) {
            throw new ParameterException(
                    spec.commandLine(), "--brokers must be between 1 and " + MAX_BROKERS + ", not " + brokers);
        }
        if (port < 0 || port + brokers - 1 > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be between 0 and 65535, not " + port);
        }
        if (node != null && (node < 0 || node >= brokers)) {
            throw new ParameterException(
                    spec.commandLine(), "--node must be between 0 and " + (brokers - 1) + ", not " + node);
        }
        if (node != null && port == 0) {
            throw new ParameterException(
                    spec.commandLine(), "--node needs a fixed --port (the nodes find each other by it), not 0");
        }
        KafkaDevCluster cluster = start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            cluster.close();
                            stopped.countDown();
                        },
                        "kafka-dev-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println(cluster.bootstrapServers());
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        String what = node == null
                ? brokers + " KRaft broker(s) on " + cluster.bootstrapServers()
                : "node " + node + " of a " + brokers + "-node KRaft cluster on " + cluster.bootstrapServers()
                        + " (it serves once a majority of the nodes runs)";
        err.println("hindsight kafka-dev: " + what + ", data in " + dataDir
                + ". Try: ./hindsight serve --store kafka --kafka-bootstrap " + cluster.bootstrapServers()
                + (brokers < 3 ? " --kafka-replication " + brokers : "") + ". Ctrl-C stops it.");
        err.flush();
        stopped.await();
        return 0;
    }

    private KafkaDevCluster start() {
        try {
            return node == null
                    ? KafkaDevCluster.start(dataDir, brokers, port)
                    : KafkaDevCluster.startOne(dataDir, brokers, node, port);
        } catch (IllegalArgumentException e) {
            throw new CliException("cannot start Kafka: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while starting Kafka");
        } catch (Exception e) {
            throw new CliException("cannot start Kafka in " + dataDir + ": " + e);
        }
    }
}
