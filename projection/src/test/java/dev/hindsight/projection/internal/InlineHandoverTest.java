package dev.hindsight.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InlineHandoverTest {
    private final InlineHandover handover = new InlineHandover();

    @Test
    void runnerLive_nothingLeftToIt_appliesInline() {
        assertThat(handover.claim("cart-1", 10, true, 5)).isTrue();
    }

    @Test
    void runnerNotLive_leavesTheAppendToTheRunner() {
        assertThat(handover.claim("cart-1", 10, false, 0)).isFalse();
    }

    @Test
    void aggregateWithAnAppendLeftToTheRunner_waitsUntilTheRunnerPassedIt_otherAggregatesDoNot() {
        assertThat(handover.claim("cart-1", 10, false, 0)).isFalse();

        // The runner is live again but has not applied position 10: cart-1's next event would overtake it.
        assertThat(handover.claim("cart-1", 20, true, 9)).isFalse();
        assertThat(handover.claim("cart-2", 21, true, 9)).isTrue();
        // Position 20 was left to the runner too, so passing 10 is not enough.
        assertThat(handover.claim("cart-1", 30, true, 19)).isFalse();
        assertThat(handover.claim("cart-1", 40, true, 30)).isTrue();
        assertThat(handover.claim("cart-1", 50, true, 30))
                .as("nothing left any more")
                .isTrue();
    }

    @Test
    void afterASwitch_nothingInlineUntilTheNewRunnerPassedEverythingOfferedBefore() {
        assertThat(handover.claim("cart-1", 10, true, 5)).isTrue();
        assertThat(handover.claim("cart-2", 15, true, 5)).isTrue();

        handover.switched();

        assertThat(handover.claim("cart-3", 20, true, 14)).isFalse();
        assertThat(handover.claim("cart-4", 25, true, 15)).isTrue();
        assertThat(handover.claim("cart-3", 26, true, 19))
                .as("its position 20 is still ahead of the runner")
                .isFalse();
        assertThat(handover.claim("cart-3", 27, true, 26)).isTrue();
    }

    @Test
    void atStart_nothingInlineUntilTheRunnerPassedTheHeadItStartedBelow() {
        // Events up to 100 were committed before the hook could see them (another run of the process, say).
        handover.startAfter(100);

        assertThat(handover.claim("cart-1", 120, true, 40)).isFalse();
        assertThat(handover.claim("cart-2", 130, true, 100)).isTrue();
        assertThat(handover.claim("cart-1", 140, true, 119))
                .as("its 120 is still ahead")
                .isFalse();
        assertThat(handover.claim("cart-1", 150, true, 140)).isTrue();
    }
}
