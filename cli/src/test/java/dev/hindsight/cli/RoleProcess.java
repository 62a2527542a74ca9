package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code hindsight serve} child JVM on this test's class path, started with the given arguments, and its base URL
 * read from the first line it prints. Not thread-safe.
 *
 * @param process the child
 * @param url its HTTP base URL ({@code http://127.0.0.1:PORT})
 */
record RoleProcess(Process process, String url) {
    private static final Pattern HTTP = Pattern.compile("(http://localhost:\\d+)");

    /**
     * Starts {@code serve ARGS…}, its stderr appended to {@code err}; waits for the line naming its URL.
     *
     * @param started collects the child, for the test's clean-up
     */
    static RoleProcess start(List<Process> started, Path err, List<String> args) throws IOException {
        List<String> command = javaCommand("serve");
        command.addAll(args);
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                .start();
        started.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (line == null) {
            assertThat(line)
                    .as("first line of serve %s; its stderr:%n%s", args, tail(err))
                    .isNotNull();
        }
        Matcher m = HTTP.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return new RoleProcess(p, m.group(1).replace("localhost", "127.0.0.1"));
    }

    /** The last lines of {@code err} (a child's stderr), for a failure message. */
    static String tail(Path err) {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(err, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The command line of {@code hindsight ARGS…} in a child JVM on this test's class path (mutable). */
    static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                // role tests run several children at once (brokers, roles, loadgen) on a small machine: C1 only and the
                // serial collector spend far less CPU on start-up than C2 and G1 threads (PipelineIT 162 -> 122 s, the
                // other role ITs 159 -> 110 s on 2 cores). Not for the crash tests: their children open stores, and
                // C1-compiled recovery made CrashIT slower (37 -> 63 s). No test measures a child's throughput.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC"));
        // class-data sharing: a serve child reaches its first line in a third of the time (ChildCds)
        command.addAll(ChildCds.options(args.length == 0 ? "" : args[0], List.copyOf(command)));
        command.addAll(List.of("-cp", ChildCds.classPath(), Hindsight.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** {@code kill -9}, and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** The {@code status} of {@code GET /health}. */
    String health() throws IOException {
        return HttpGet.json(url + "/health").get("status").asText();
    }
}
