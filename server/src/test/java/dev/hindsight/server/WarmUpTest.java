package dev.hindsight.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.memory.InMemoryEventLog;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link HindsightServer#warmUp()}: a first server's one-time work, with nothing left running. */
class WarmUpTest {

    @Test
    void warmUp_leavesNoThreadAndAServerBuiltAfterServes() {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());

        HindsightServer.warmUp();

        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .toList();
        assertThat(left).as("threads the warm-up left running").isEmpty();
        try (TestServer t = new TestServer(new InMemoryEventLog())) {
            assertThat(t.get("/health").status()).isEqualTo(200);
        }
    }
}
