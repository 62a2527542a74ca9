package dev.hindsight.store.file.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads for CPU-heavy background work (compressing sealed segments, compacting snapshots) that run below the
 * priority of the threads serving requests: on Linux each such thread sets its own nice value to {@link #NICE} when
 * it starts (threads are scheduled one by one there, and a process may lower its own threads' priority without
 * privileges), so that a compression at zstd level 15 beside aggregate loads on a 2-core machine takes the CPU those
 * loads leave idle instead of half of it (docs/benchmarks.md, session 14). Java has no API for it; the thread runs
 * {@code renice} on its own thread id once. Best effort: where that fails (another system, no {@code renice}) the
 * thread runs at normal priority and says so at debug level. Thread-safe.
 */
public final class BackgroundThreads {
    /** The nice value background threads take (0 is normal, 19 the lowest priority). */
    public static final int NICE = 10;

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundThreads.class);

    private BackgroundThreads() {}

    /** A factory of daemon platform threads named {@code name} that lower their priority as they start. */
    public static ThreadFactory factory(String name) {
        ThreadFactory base = Thread.ofPlatform().name(name).daemon(true).factory();
        return task -> base.newThread(() -> {
            lowerCurrentThread();
            task.run();
        });
    }

    /** Sets the calling thread's nice value to {@link #NICE}, if the system allows it. */
    static void lowerCurrentThread() {
        Path self = Path.of("/proc/thread-self");
        if (!Files.exists(self)) {
            return; // not Linux
        }
        try {
            String tid = Files.readSymbolicLink(self).getFileName().toString();
            Process p = new ProcessBuilder("renice", "-n", Integer.toString(NICE), "-p", tid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.debug("renice of background thread {} timed out", tid);
            } else if (p.exitValue() != 0) {
                LOG.debug("renice of background thread {} failed: exit {}", tid, p.exitValue());
            }
        } catch (java.io.IOException e) {
            LOG.debug("cannot lower the priority of a background thread: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
