package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The block cache's memory is direct memory, which the JVM limits ({@code -XX:MaxDirectMemorySize}) apart from
 * {@code blockCacheBytes}: where the limit is reached first, blocks are kept on the heap as when every slot is taken,
 * and reads do not fail with the JVM's {@link OutOfMemoryError}.
 */
class BlockMemoryLimitTest {
    @Test
    void budgetAboveTheJvmsDirectMemory_handsOutTheSlotsThereAreRoomFor_thenNone() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(
                        java,
                        "-XX:MaxDirectMemorySize=4m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        DirectMemoryChild.class.getName(),
                        Long.toString(16L << 20)))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).doesNotContain("failed");
        Matcher m = Pattern.compile("taken (\\d+) none (\\d+) reserved").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        int taken = Integer.parseInt(m.group(1));
        int none = Integer.parseInt(m.group(2));
        // 4 MiB of direct memory hold at most 4 slabs of 16 slots; the other slots of the budget are refused
        assertThat(taken).isBetween(1, 4 * BlockMemory.SLOTS_PER_SLAB);
        assertThat(taken + none).isEqualTo((int) ((16L << 20) / BlockMemory.SLOT_BYTES));
    }
}
