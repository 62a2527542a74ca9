package dev.hindsight.store.file.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactionPacerTest {
    private long logEnd = 100;
    private boolean closing;
    private final List<Long> pauses = new ArrayList<>();

    private CompactionPacer pacer(double share) {
        return new CompactionPacer(() -> logEnd, share, () -> closing, pauses::add);
    }

    @Test
    void afterBlock_whileAppendsFlow_pausesSoThatCompactionUsesItsShare() {
        CompactionPacer p = pacer(0.25);
        logEnd = 150;
        p.afterBlock(10_000_000);
        logEnd = 151;
        p.afterBlock(2_000_000);
        // busy 10 ms at a quarter of a core: 30 ms of pause, so 10 of every 40 ms are compaction's
        assertEquals(List.of(30_000_000L, 6_000_000L), pauses);
    }

    @Test
    void afterBlock_logStandingStill_runsAtFullSpeed() {
        CompactionPacer p = pacer(0.25);
        p.afterBlock(10_000_000);
        logEnd = 120;
        p.afterBlock(10_000_000);
        p.afterBlock(10_000_000); // nothing appended during this block
        assertEquals(List.of(30_000_000L), pauses);
    }

    @Test
    void afterBlock_closing_doesNotPause() {
        CompactionPacer p = pacer(0.25);
        closing = true;
        logEnd = 200;
        p.afterBlock(10_000_000);
        assertEquals(List.of(), pauses);
    }

    @Test
    void afterBlock_slowBlock_pausesAtMostTheCap() {
        CompactionPacer p = pacer(0.25);
        logEnd = 101;
        p.afterBlock(5_000_000_000L);
        assertEquals(List.of(CompactionPacer.MAX_PAUSE_NANOS), pauses);
    }

    @Test
    void afterBlock_fullShare_neverPauses() {
        CompactionPacer p = pacer(1.0);
        logEnd = 101;
        p.afterBlock(10_000_000);
        assertEquals(List.of(), pauses);
    }

    @Test
    void constructor_shareOutOfRange_throws() {
        assertThrows(IllegalArgumentException.class, () -> pacer(0));
        assertThrows(IllegalArgumentException.class, () -> pacer(1.5));
    }
}
