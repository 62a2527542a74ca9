package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackgroundThreadsTest {
    /** The nice value of the calling thread (field 19 of /proc/thread-self/stat, after the command's parentheses). */
    private static int niceOfCurrentThread() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]); // field 19 overall; the 3rd field (state) is fields[0]
    }

    @Test
    void factory_threadRunsItsTasksAtTheBackgroundNiceValue() throws Exception {
        CompletableFuture<Integer> background = new CompletableFuture<>();
        Thread t = BackgroundThreads.factory("test-background").newThread(() -> {
            try {
                background.complete(niceOfCurrentThread());
            } catch (Exception e) {
                background.completeExceptionally(e);
            }
        });
        t.start();

        assertThat(background.get(10, TimeUnit.SECONDS)).isEqualTo(BackgroundThreads.NICE);
        assertThat(t.getName()).isEqualTo("test-background");
        assertThat(t.isDaemon()).isTrue();
        assertThat(niceOfCurrentThread())
                .as("the caller's own priority is untouched")
                .isZero();
    }
}
