package dev.hindsight.bench.httpref;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hindsight-bench http-ref}: a reference HTTP server for the single-event append, serving until stopped
 * (SIGTERM). bench/http-ceiling.sh runs each beside {@code serve} in the same run.
 */
@Command(
        name = "http-ref",
        mixinStandardHelpOptions = true,
        description =
                "A reference server for POST /api/aggregates/{id}/events (bare Jetty or Netty on epoll, with no store"
                        + " or the file engine behind it), answering as serve does; serves until stopped.")
public final class HttpRefCommand implements Callable<Integer> {
    enum Kind {
        /** bare Jetty 12, one non-blocking handler */
        JETTY,
        /** Netty 4.2 on epoll with its HTTP codec and aggregator */
        NETTY,
        /** Netty 4.2 on epoll without a codec */
        NETTY_RAW
    }

    @Option(names = "--server", required = true, description = "JETTY, NETTY or NETTY_RAW")
    Kind kind = Kind.JETTY;

    @Option(names = "--data-dir", description = "the file engine's directory (new or empty); without it, no store")
    @Nullable
    Path dataDir;

    @Option(names = "--port", defaultValue = "8271")
    int port;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description = "Netty's event loops; Jetty's selectors (-1: its default)")
    int threads;

    @Option(names = "--acceptors", defaultValue = "-1", description = "Jetty's acceptor threads (-1: its default)")
    int acceptors;

    @Override
    public Integer call() throws Exception {
        if (dataDir != null) {
            Files.createDirectories(dataDir);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (RefStore store = dataDir == null ? new RefStore.None() : new RefStore.File(dataDir)) {
            RefServer server = switch (kind) {
                case JETTY -> new JettyRef(port, acceptors, threads, store);
                case NETTY -> new NettyRef(port, threads, false, store);
                case NETTY_RAW -> new NettyRef(port, threads, true, store);
            };
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            System.out.printf(
                    "http-ref %s on 127.0.0.1:%d, %s%n",
                    kind, port, dataDir == null ? "no store" : "file engine in " + dataDir);
            try {
                stopped.await();
            } finally {
                server.stop();
            }
        }
        return 0;
    }
}
