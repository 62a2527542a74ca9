package dev.hindsight.index.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.index.HashIndex;
import dev.hindsight.index.IndexCorruptionException;
import dev.hindsight.index.KeyHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run file formats: format 3 (packed pages, keys of 1–64 bits) round-trips any sorted pairs, formats 2 (64-bit
 * keys) and 1 (fixed 16-byte entries), written by earlier builds, are still read and merged into format 3, and a
 * damaged entry page is reported.
 */
class RunFileFormatTest {
    @TempDir
    Path dir;

    /** Sorted pairs shaped like the log's indexes, plus extremes: keys spread over the whole unsigned range. */
    private static TreeMap<Long, List<Long>> pairs(Random random, int keys) {
        TreeMap<Long, List<Long>> m = new TreeMap<>(Long::compareUnsigned);
        for (int k = 0; k < keys; k++) {
            long key = k == 0 ? 0 : k == 1 ? -1L : k == 2 ? Long.MIN_VALUE : random.nextLong();
            List<Long> values = m.computeIfAbsent(key, x -> new ArrayList<>());
            int n = k % 50 == 0 ? 3000 : 1 + random.nextInt(12); // some keys span several pages
            long v = k == 3 ? Long.MAX_VALUE - 3 * n : random.nextLong(1L << (k % 2 == 0 ? 20 : 40));
            for (int i = 0; i < n; i++) {
                values.add(v);
                v += 1 + random.nextInt(k % 3 == 0 ? 3 : 100_000);
            }
        }
        return m;
    }

    private static long count(TreeMap<Long, List<Long>> m) {
        return m.values().stream().mapToLong(List::size).sum();
    }

    private Path write(String name, TreeMap<Long, List<Long>> m) throws IOException {
        return write(name, m, 64);
    }

    private Path write(String name, TreeMap<Long, List<Long>> m, int keyBits) throws IOException {
        Path p = dir.resolve(name);
        try (RunWriter w = new RunWriter(p, 0, count(m), m.size(), 1, 1000, keyBits)) {
            for (var e : m.entrySet()) {
                for (long v : e.getValue()) {
                    w.add(e.getKey(), v);
                }
            }
            w.finish();
        }
        return p;
    }

    /**
     * Rewrites a format-3 run of 64-bit keys as format 2 (the layout earlier builds wrote: the same pages, a header
     * without the key-bits field).
     */
    static void toFormat2(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(72);
            ch.read(h, 0);
            assertThat(h.getInt(64)).isEqualTo(64);
            h.putInt(8, 2);
            CRC32C c = new CRC32C();
            c.update(h.array(), 0, 64);
            h.putInt(64, (int) c.getValue()).putInt(68, 0);
            ch.write(h.clear(), 0);
        }
    }

    /** The layout of format 1, as earlier builds wrote it. */
    static void writeFormat1(Path p, int level, long[] keys, long[] values, long from, long to) throws IOException {
        int n = keys.length;
        long blocks = RunFile.bloomBlocks(n);
        int entryPages = RunFile.pages((long) n * 16);
        int bloomPages = RunFile.pages(blocks * 64);
        ByteBuffer entries = ByteBuffer.allocate(entryPages * RunFile.PAGE);
        ByteBuffer bloom = ByteBuffer.allocate(bloomPages * RunFile.PAGE);
        for (int i = 0; i < n; i++) {
            entries.putLong(keys[i]).putLong(values[i]);
            int base = (int) (RunFile.block(keys[i], blocks) * 64);
            for (int j = 0; j < RunFile.HASHES; j++) {
                int b = RunFile.bit(keys[i], j);
                int at = base + 8 * (b >>> 6);
                bloom.putLong(at, bloom.getLong(at) | (1L << (b & 63)));
            }
        }
        ByteBuffer crcs = ByteBuffer.allocate(4 * (entryPages + bloomPages));
        for (ByteBuffer region : List.of(entries, bloom)) {
            for (int page = 0; page < region.capacity() / RunFile.PAGE; page++) {
                CRC32C c = new CRC32C();
                c.update(region.array(), page * RunFile.PAGE, RunFile.PAGE);
                crcs.putInt((int) c.getValue());
            }
        }
        ByteBuffer h = ByteBuffer.allocate(RunFile.PAGE);
        h.putLong(RunFile.MAGIC)
                .putInt(1)
                .putInt(level)
                .putLong(n)
                .putLong(from)
                .putLong(to);
        h.putLong(blocks).putInt(entryPages).putInt(bloomPages).putInt(0);
        CRC32C c = new CRC32C();
        c.update(h.array(), 0, 60);
        h.putInt((int) c.getValue());
        try (FileChannel ch = FileChannel.open(
                p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (ByteBuffer b : List.of(h.clear(), entries.clear(), bloom.clear(), crcs.clear())) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
    }

    private static void assertReads(RunFile r, TreeMap<Long, List<Long>> m, Random random) {
        RunFile.Cursor c = r.cursor();
        for (var e : m.entrySet()) {
            for (long v : e.getValue()) {
                assertThat(c.next()).isTrue();
                assertThat(c.key()).isEqualTo(e.getKey());
                assertThat(c.value()).isEqualTo(v);
            }
        }
        assertThat(c.next()).isFalse();
        for (var e : m.entrySet()) {
            List<Long> up = new ArrayList<>();
            r.forEach(e.getKey(), true, up::add);
            assertThat(up).isEqualTo(e.getValue());
            List<Long> down = new ArrayList<>();
            r.forEach(e.getKey(), false, down::add);
            assertThat(down).isEqualTo(e.getValue().reversed());
            List<Long> first = new ArrayList<>();
            r.forEach(e.getKey(), false, v -> !first.add(v)); // a visitor that stops at once
            assertThat(first).containsExactly(e.getValue().getLast());
        }
        for (int i = 0; i < 2000; i++) {
            long absent = random.nextLong();
            if (!m.containsKey(absent)) {
                List<Long> none = new ArrayList<>();
                r.forEach(absent, true, none::add);
                assertThat(none).isEmpty();
            }
        }
    }

    @Test
    void format3_roundTripsSortedPairs_andIsMuchSmallerThanFormat1() throws IOException {
        Random random = new Random(1206L);
        TreeMap<Long, List<Long>> m = pairs(random, 5000);
        RunFile r = RunFile.open(write("a.run", m));
        assertThat(r.format()).isEqualTo(3);
        assertThat(r.keyBits()).isEqualTo(64);
        assertThat(r.count()).isEqualTo(count(m));
        assertThat(r.keys()).isEqualTo(m.size()); // the bloom filter is sized for keys, not pairs
        assertReads(r, m, random);
        long format1Entries = count(m) * 16;
        assertThat(Files.size(r.path())).isLessThan(format1Entries / 2);
    }

    @Test
    void shortKeys_roundTrip_inFewerBytesThan64BitKeys() throws IOException {
        Random random = new Random(4040L);
        TreeMap<Long, List<Long>> full = new TreeMap<>(Long::compareUnsigned);
        TreeMap<Long, List<Long>> short40 = new TreeMap<>(Long::compareUnsigned);
        for (int i = 0; i < 40_000; i++) { // shaped like the id runs: one value per key
            long key = random.nextLong();
            long value = 1 + random.nextInt(1 << 20); // positions of a segment
            full.computeIfAbsent(key, x -> new ArrayList<>()).add(value);
            List<Long> values = short40.computeIfAbsent(key & (-1L << 24), x -> new ArrayList<>());
            values.add(value);
            values.sort(null);
        }
        short40.put(-1L << 24, new ArrayList<>(List.of(7L))); // the extremes of a 40-bit key
        short40.put(0L, new ArrayList<>(List.of(9L)));
        RunFile r = RunFile.open(write("short.run", short40, 40));
        assertThat(r.format()).isEqualTo(3);
        assertThat(r.keyBits()).isEqualTo(40);
        assertReads(r, short40, random);
        long bytes64 = Files.size(write("full.run", full));
        assertThat(Files.size(r.path())).isLessThan(bytes64 * 4 / 5); // ~4 bytes per key less
    }

    @Test
    void writer_refusesKeysWiderThanItsKeyBits() throws IOException {
        try (RunWriter w = new RunWriter(dir.resolve("w.run"), 0, 1, 1, 1, 1, 40)) {
            assertThatThrownBy(() -> w.add(1L << 23, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("more than 40 significant bits");
        }
    }

    @Test
    void format2File_isStillRead() throws IOException {
        Random random = new Random(22L);
        TreeMap<Long, List<Long>> m = pairs(random, 3000);
        Path p = write("v2.run", m);
        toFormat2(p);
        RunFile r = RunFile.open(p);
        assertThat(r.format()).isEqualTo(2);
        assertThat(r.keyBits()).isEqualTo(64);
        assertReads(r, m, random);
    }

    @Test
    void emptyRun_readsAsEmpty() throws IOException {
        RunFile r = RunFile.open(write("e.run", new TreeMap<>()));
        assertThat(r.cursor().next()).isFalse();
        assertThat(r.forEach(7, true, v -> true)).isTrue();
    }

    @Test
    void format1File_isStillRead() throws IOException {
        Random random = new Random(99L);
        TreeMap<Long, List<Long>> m = pairs(random, 700);
        long[] keys = new long[(int) count(m)];
        long[] values = new long[keys.length];
        int i = 0;
        for (var e : m.entrySet()) {
            for (long v : e.getValue()) {
                keys[i] = e.getKey();
                values[i++] = v;
            }
        }
        Path p = dir.resolve("old.run");
        writeFormat1(p, 0, keys, values, 1, 1000);
        RunFile r = RunFile.open(p);
        assertThat(r.format()).isEqualTo(1);
        assertReads(r, m, random);
    }

    @Test
    void damagedEntryPage_isReportedNotAnswered() throws IOException {
        Random random = new Random(5L);
        TreeMap<Long, List<Long>> m = pairs(random, 2000);
        Path p = write("d.run", m);
        RunFile intact = RunFile.open(p);
        long entryStart = RunFile.PAGE * (1L + RunFile.pages(RunFile.bloomBlocks(intact.keys()) * 64));
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, entryStart + 100);
            b.put(0, (byte) (b.get(0) ^ 0x10));
            ch.write(b.flip(), entryStart + 100);
        }
        RunFile r = RunFile.open(p);
        long firstKey = m.firstKey();
        assertThatThrownBy(() -> r.forEach(firstKey, true, v -> true))
                .isInstanceOf(IndexCorruptionException.class)
                .hasMessageContaining("fails its CRC");
    }

    /** An index whose runs an earlier build wrote (format 1) opens, answers, and merges them into format 3. */
    @Test
    void indexOfFormat1Runs_answersAndMergesIntoFormat3() throws IOException {
        Path idx = dir.resolve("idx");
        List<long[]> all;
        try (HashIndex index = HashIndex.open(idx, "t", 4, false)) {
            all = addFourRuns(index);
        }
        try (var files = Files.list(idx)) { // rewrite every run in format 1, same pairs, same name
            for (Path p : files.filter(f -> f.toString().endsWith(".run")).toList()) {
                RunFile r = RunFile.open(p);
                List<long[]> pairs = new ArrayList<>();
                RunFile.Cursor c = r.cursor();
                while (c.next()) {
                    pairs.add(new long[] {c.key(), c.value()});
                }
                writeFormat1(
                        p,
                        r.level(),
                        pairs.stream().mapToLong(x -> x[0]).toArray(),
                        pairs.stream().mapToLong(x -> x[1]).toArray(),
                        r.from(),
                        r.to());
                assertThat(RunFile.open(p).format()).isEqualTo(1);
            }
        }
        try (HashIndex index = HashIndex.open(idx, "t", 4, false)) {
            assertThat(index.view().runCount()).isEqualTo(4);
            assertLookups(index, all);
            assertThat(index.mergeOnce()).isTrue();
            assertThat(index.view().levels()).containsExactly(1);
            assertLookups(index, all);
        }
        try (var files = Files.list(idx)) {
            List<Path> runs = files.filter(f -> f.toString().endsWith(".run")).toList();
            assertThat(runs).hasSize(1);
            assertThat(RunFile.open(runs.getFirst()).format()).isEqualTo(3);
        }
    }

    /**
     * Adds four runs of 100 positions each (1 to 400) to {@code index}, position {@code v} under the key of
     * {@code v % 13}; returns the pairs added, as {key, value}.
     */
    private static List<long[]> addFourRuns(HashIndex index) throws IOException {
        List<long[]> all = new ArrayList<>();
        for (int run = 0; run < 4; run++) {
            long[] keys = new long[100];
            long[] values = new long[100];
            for (int i = 0; i < 100; i++) {
                values[i] = run * 100L + i + 1;
                keys[i] = KeyHash.mix(values[i] % 13);
                all.add(new long[] {keys[i], values[i]});
            }
            index.addRun(keys, values, 100, run * 100L + 1, run * 100L + 100);
        }
        return all;
    }

    private static void assertLookups(HashIndex index, List<long[]> all) {
        for (int k = 0; k < 13; k++) {
            long key = KeyHash.mix(k);
            List<Long> expected = all.stream()
                    .filter(p -> p[0] == key)
                    .map(p -> p[1])
                    .sorted()
                    .toList();
            List<Long> got = new ArrayList<>();
            index.view().forEachOldestFirst(key, got::add);
            assertThat(got).isEqualTo(expected);
        }
    }

    /**
     * An index written with 64-bit keys (an earlier build) keeps them when opened asking for 40 (no rebuild on
     * upgrade); a new index gets 40-bit keys and finds full keys by their high bits.
     */
    @Test
    void existingIndex_keepsItsKeyWidth_newIndexUsesShorterKeys_andFindsKeysByTheirHighBits() throws IOException {
        Path old = dir.resolve("old");
        try (HashIndex index = HashIndex.open(old, "t", 4, false)) {
            index.addRun(new long[] {KeyHash.mix(1)}, new long[] {1}, 1, 1, 1);
        }
        try (HashIndex index = HashIndex.open(old, "t", 4, false, 40)) {
            assertThat(index.keyBits()).isEqualTo(64);
            assertThat(index.view().coveredTo()).isEqualTo(1);
            index.addRun(new long[] {KeyHash.mix(2)}, new long[] {2}, 1, 2, 2);
            assertLookups(index, List.of(new long[] {KeyHash.mix(1), 1}, new long[] {KeyHash.mix(2), 2}));
        }
        Path idx = dir.resolve("short");
        try (HashIndex index = HashIndex.open(idx, "t", 4, false, 40)) {
            assertThat(index.keyBits()).isEqualTo(40);
            List<long[]> all = addFourRuns(index);
            assertLookups(index, all); // looked up by the full 64-bit key
            assertThat(index.mergeOnce()).isTrue();
            assertLookups(index, all);
        }
        try (HashIndex index = HashIndex.open(idx, "t", 4, false, 40)) {
            assertThat(index.view().coveredTo()).isEqualTo(400);
            assertThat(index.keyBits()).isEqualTo(40);
        }
    }
}
