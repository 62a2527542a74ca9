package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PartitionClaimsTest {
    /** Claims that fail {@code failures} times, then succeed; records what it applies. */
    static final class Flaky implements PartitionClaims.Target {
        final AtomicInteger failures;
        final TreeSet<Integer> applied = new TreeSet<>();
        final List<List<Integer>> claims = new ArrayList<>();

        Flaky(int failures) {
            this.failures = new AtomicInteger(failures);
        }

        @Override
        public synchronized void assign(Collection<Integer> partitions) {
            claims.add(List.copyOf(partitions));
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("read model unreachable");
            }
            applied.addAll(partitions);
        }

        @Override
        public synchronized void revoke(Collection<Integer> partitions) {
            applied.removeAll(partitions);
        }

        synchronized List<Integer> applied() {
            return List.copyOf(applied);
        }
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void failedClaim_isRetriedUntilItSucceeds_notLeftIdle() throws Exception {
        Flaky target = new Flaky(7); // more than the five attempts the old listener made
        try (PartitionClaims claims = new PartitionClaims(target, Duration.ofMillis(5), Duration.ofMillis(20))) {
            claims.assigned(List.of(0, 2));
            assertThat(claims.pending()).containsExactly(0, 2);
            await(() -> target.applied().equals(List.of(0, 2)));
            assertThat(claims.pending()).isEmpty();
            assertThat(target.claims).hasSize(8);
        }
    }

    @Test
    void revokedWhilePending_isNeverClaimed() throws Exception {
        Flaky target = new Flaky(3);
        try (PartitionClaims claims = new PartitionClaims(target, Duration.ofMillis(50), Duration.ofMillis(50))) {
            claims.assigned(List.of(1, 4));
            claims.revoked(List.of(4));
            assertThat(claims.pending()).containsExactly(1);
            await(() -> target.applied().equals(List.of(1)));
            Thread.sleep(150);
            List<List<Integer>> made;
            synchronized (target) {
                made = List.copyOf(target.claims);
            }
            for (List<Integer> c : made.subList(1, made.size())) {
                assertThat(c).as("a retry after the revocation").doesNotContain(4);
            }
            assertThat(target.applied()).containsExactly(1);
        }
    }

    @Test
    void successfulClaim_appliesAtOnce_andRevokeStops() {
        Flaky target = new Flaky(0);
        try (PartitionClaims claims = new PartitionClaims(target, Duration.ofMillis(5), Duration.ofMillis(5))) {
            claims.assigned(List.of(0, 1, 2));
            assertThat(target.applied()).containsExactly(0, 1, 2);
            assertThat(claims.pending()).isEmpty();
            claims.revoked(List.of(1));
            assertThat(target.applied()).containsExactly(0, 2);
        }
    }
}
