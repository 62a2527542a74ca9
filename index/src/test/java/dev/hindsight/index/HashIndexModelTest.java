package dev.hindsight.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model check of the LSM against a HashMap, with a fixed seed: random flushes of random sizes, merges, reopens, and a
 * test hash that forces collisions (many logical keys share a hash). Lookups, filtered by the "log" (which logical key
 * each position holds) as the engine filters them, must equal the model exactly, in order.
 */
class HashIndexModelTest {
    @TempDir
    Path dir;

    private final List<Integer> log = new ArrayList<>(List.of(-1)); // position → logical key; position 0 unused
    private final Map<Integer, List<Long>> model = new HashMap<>();

    /** Forces collisions: 41 distinct hashes for 600 keys, some small, some spread over the unsigned range. */
    static long testHash(int key) {
        return key % 3 == 0 ? key % 7 : KeyHash.mix(key % 41);
    }

    @Test
    void randomFlushesMergesAndReopens_matchAHashMapModel() throws IOException {
        Random random = new Random(20261205L);
        HashIndex index = HashIndex.open(dir, "t", 4, false);
        for (int step = 0; step < 120; step++) {
            long from = log.size();
            int n = random.nextInt(step % 10 == 0 ? 1 : 300);
            long[] keys = new long[n];
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                int key = random.nextInt(600);
                long position = log.size();
                log.add(key);
                model.computeIfAbsent(key, k -> new ArrayList<>()).add(position);
                keys[i] = testHash(key);
                values[i] = position;
            }
            index.addRun(keys, values, n, from, log.size() - 1);
            if (random.nextInt(3) == 0) {
                while (index.mergeOnce()) {
                    // merge all levels
                }
            }
            if (random.nextInt(10) == 0) {
                index.close();
                index = HashIndex.open(dir, "t", 4, false);
            }
            check(index, random);
        }
        while (index.mergeOnce()) {
            // the end state is a handful of runs
        }
        assertThat(index.view().runCount()).isLessThan(12);
        assertThat(index.view().coveredTo()).isEqualTo(log.size() - 1);
        check(index, random);
        index.close();
    }

    private void check(HashIndex index, Random random) {
        HashIndex.View view = index.view();
        for (int i = 0; i < 40; i++) {
            int key = random.nextInt(650); // some keys were never written
            List<Long> expected = model.getOrDefault(key, List.of());
            List<Long> ascending = new ArrayList<>();
            view.forEachOldestFirst(testHash(key), p -> {
                assertThat(testHash(log.get((int) p))).isEqualTo(testHash(key));
                if (log.get((int) p) == key) {
                    ascending.add(p);
                }
                return true;
            });
            assertThat(ascending).isEqualTo(expected);
            List<Long> descending = new ArrayList<>();
            view.forEachNewestFirst(testHash(key), p -> {
                if (log.get((int) p) == key) {
                    descending.add(p);
                }
                return true;
            });
            assertThat(descending).isEqualTo(expected.reversed());
            assertThat(collisionCount(view, key)).isEqualTo(hashCount(key));
        }
    }

    /** Every value stored under the hash, no more: the index loses and invents nothing. */
    private long collisionCount(HashIndex.View view, int key) {
        long[] n = {0};
        view.forEachNewestFirst(testHash(key), p -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    private long hashCount(int key) {
        long n = 0;
        for (int p = 1; p < log.size(); p++) {
            if (testHash(log.get(p)) == testHash(key)) {
                n++;
            }
        }
        return n;
    }
}
