package dev.hindsight.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash at every step of a flush or a merge (simulated by assembling the files each step leaves behind), and damaged
 * or missing files: the index opens with a consistent prefix of runs and never answers wrongly.
 */
class HashIndexRecoveryTest {
    @TempDir
    Path root;

    /** Four runs of 100 positions each; position p holds key p % 10. */
    private Path fourRuns(String name) throws IOException {
        return runs(name, 4);
    }

    /** An index {@code name} of {@code count} runs of 100 values each (keys: value mod 10), unmerged. */
    private Path runs(String name, int count) throws IOException {
        Path dir = root.resolve(name);
        try (HashIndex index = HashIndex.open(dir, "t", 4, false)) {
            for (int run = 0; run < count; run++) {
                long[] keys = new long[100];
                long[] values = new long[100];
                for (int i = 0; i < 100; i++) {
                    values[i] = run * 100L + i + 1;
                    keys[i] = KeyHash.mix(values[i] % 10);
                }
                index.addRun(keys, values, 100, run * 100L + 1, run * 100L + 100);
            }
        }
        return dir;
    }

    private static List<Long> lookup(HashIndex index, long key) {
        List<Long> out = new ArrayList<>();
        index.view().forEachOldestFirst(KeyHash.mix(key), p -> out.add(p));
        return out;
    }

    private static void assertComplete(Path dir, long coveredTo) throws IOException {
        try (HashIndex index = HashIndex.open(dir, "t", 4, false)) {
            assertThat(index.view().coveredTo()).isEqualTo(coveredTo);
            List<Long> sevens = lookup(index, 7);
            assertThat(sevens).hasSize((int) (coveredTo / 10));
            assertThat(sevens).allMatch(p -> p % 10 == 7).isSorted();
            assertThat(files(dir)).noneMatch(f -> f.endsWith(".tmp") || f.endsWith(".damaged"));
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String f : files(from)) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
    }

    @Test
    void merge_crashAtEveryStep_reopensConsistently() throws IOException {
        Path before = fourRuns("before");
        Path after = root.resolve("after");
        copy(before, after);
        try (HashIndex index = HashIndex.open(after, "t", 4, false)) {
            assertThat(index.mergeOnce()).isTrue();
            assertThat(index.view().levels()).containsExactly(1);
            assertThat(lookup(index, 7)).hasSize(40);
        }
        Path merged = after.resolve("t-1-1-400.run");
        // 1. killed while writing the merged run: a temp file next to the old runs and manifest
        Path s1 = root.resolve("s1");
        copy(before, s1);
        Files.write(s1.resolve("t-1-1-400.run.tmp"), new byte[5000]);
        assertComplete(s1, 400);
        // 2. killed after renaming the merged run, before the manifest names it: an orphan
        Path s2 = root.resolve("s2");
        copy(before, s2);
        Files.copy(merged, s2.resolve("t-1-1-400.run"));
        assertComplete(s2, 400);
        assertThat(files(s2)).doesNotContain("t-1-1-400.run").contains("t-0-1-100.run");
        // 3. killed while writing the new manifest: its temp file is left, the old one stands
        Path s3 = root.resolve("s3");
        copy(s2, s3);
        Files.copy(after.resolve("t.manifest"), s3.resolve("t.manifest.tmp"));
        assertComplete(s3, 400);
        // 4. killed after the new manifest, before deleting the old runs
        Path s4 = root.resolve("s4");
        copy(after, s4);
        for (String f : files(before)) {
            if (f.endsWith(".run")) {
                Files.copy(before.resolve(f), s4.resolve(f));
            }
        }
        assertComplete(s4, 400);
        assertThat(files(s4)).containsExactly("t-1-1-400.run", "t.manifest");
    }

    @Test
    void flush_crashBeforeTheManifest_leavesTheOldCoverage() throws IOException {
        Path dir = fourRuns("d");
        Files.delete(dir.resolve("t.manifest"));
        // a manifest naming only the first three runs, as before the fourth flush
        Path three = runs("three", 3);
        Files.copy(three.resolve("t.manifest"), dir.resolve("t.manifest"));
        assertComplete(dir, 300);
    }

    @Test
    void damagedPage_failsTheLookup_thenTheRunIsDroppedOnReopen() throws IOException {
        Path dir = fourRuns("d");
        flip(dir.resolve("t-0-201-300.run"), 4096 + 100);
        try (HashIndex index = HashIndex.open(dir, "t", 4, false)) {
            assertThat(index.view().coveredTo()).isEqualTo(400); // headers are fine: found lazily
            assertThatThrownBy(() -> {
                        for (long k = 0; k < 10; k++) {
                            lookup(index, k);
                        }
                    })
                    .isInstanceOf(IndexCorruptionException.class)
                    .hasMessageContaining("t-0-201-300.run");
        }
        assertThat(files(dir)).contains("t-0-201-300.run.damaged");
        assertComplete(dir, 200); // the damaged run and the ones after it are rebuilt by the owner
    }

    @Test
    void damagedHeaderMissingRunOrDamagedManifest_areDroppedAtOpen() throws IOException {
        Path a = fourRuns("a");
        flip(a.resolve("t-0-101-200.run"), 20);
        assertComplete(a, 100);
        Path b = fourRuns("b");
        Files.delete(b.resolve("t-0-301-400.run"));
        assertComplete(b, 300);
        Path c = fourRuns("c");
        flip(c.resolve("t.manifest"), 30);
        assertComplete(c, 0);
        assertThat(files(c)).containsExactly("t.manifest");
    }

    @Test
    void offsetFile_roundTrips_andRejectsDamage() throws IOException {
        Path f = root.resolve("seg.idx");
        int[] offsets = {64, 200, 390, 1000};
        OffsetFile.write(f, 11, offsets, 4);
        OffsetFile o = OffsetFile.open(f, 11, 4);
        assertThat(o).isNotNull();
        assertThat(o.offset(13)).isEqualTo(390);
        assertThat(OffsetFile.open(f, 11, 5)).isNull();
        assertThat(OffsetFile.open(f, 12, 4)).isNull();
        assertThat(OffsetFile.open(root.resolve("missing.idx"), 11, 4)).isNull();
        flip(f, 32 + 5);
        OffsetFile damaged = OffsetFile.open(f, 11, 4);
        assertThat(damaged).isNotNull();
        assertThatThrownBy(() -> damaged.offset(11)).isInstanceOf(IndexCorruptionException.class);
    }

    static void flip(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5A);
        }
    }
}
