package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real store, then seeded random damage to its segment files (flipped bytes, truncation, in sealed and active
 * segments), then a reopen: the open either fails with a {@link HindsightException} naming the problem, or succeeds and
 * every read either returns exactly the event written at that position or fails with a {@link HindsightException}.
 * Never another exception, never a different event.
 */
class SegmentCorruptionTest {
    private static final long SEED = 0x5EED_F00DL;
    private static final int TRIALS = Integer.getInteger("hindsight.corruption.trials", 80);
    private static final int AGGREGATES = 6;

    @TempDir
    static Path template;

    @TempDir
    Path work;

    private static long served;

    private static final Map<Long, RecordedEvent> WRITTEN = new HashMap<>();

    private static FileLogOptions options(Path dir) {
        return FileLogOptions.defaults(dir).withSegmentBytes(64 * 1024).withCompressionLevel(0);
    }

    @BeforeAll
    static void writeStore() {
        Random r = new Random(SEED);
        try (EventStore store = EventStore.of(FileEventLog.open(options(template)))) {
            for (int i = 0; i < 1200; i++) {
                List<EventData> batch = new ArrayList<>();
                int n = 1 + r.nextInt(3);
                for (int k = 0; k < n; k++) {
                    batch.add(EventData.of(
                            "T" + r.nextInt(4), "{\"i\":" + i + ",\"pad\":\"" + "p".repeat(r.nextInt(60)) + "\"}"));
                }
                store.append("agg-" + r.nextInt(AGGREGATES), ExpectedVersion.ANY, batch);
            }
            Position p = Position.START;
            while (true) {
                var slice = store.readAll(p, 1000, EventFilter.ALL);
                if (slice.events().isEmpty()) {
                    break;
                }
                slice.events().forEach(e -> WRITTEN.put(seq(e.position()), e));
                p = slice.next();
            }
        }
    }

    @Test
    void randomDamageToSegments_neverCrashesOrServesWrongData() throws IOException {
        int opened = run(new Random(SEED), TRIALS, dir -> segments(dir));
        // the damage is local: most trials still open and serve most events
        assertThat(opened).isGreaterThan(TRIALS / 2);
        assertThat(served).isGreaterThan((long) opened * WRITTEN.size() / 2);
    }

    @Test
    void randomDamageToIndexesAndCheckpoints_neverCrashesOrServesWrongData() throws IOException {
        // slower: a damaged index is rebuilt from the segments on open
        run(new Random(SEED + 1), TRIALS / 3, SegmentCorruptionTest::derivedFiles);
    }

    /** Damages one of {@code targets(dir)} per trial, reopens, checks every read; returns how many opened. */
    private int run(Random r, int trials, Targets targets) throws IOException {
        int opened = 0;
        int refused = 0;
        long servedBefore = served;
        for (int trial = 0; trial < trials; trial++) {
            Path dir = work.resolve("trial-" + trial);
            copy(template, dir);
            List<Path> files = targets.files(dir);
            assertThat(files).as("several files to damage").hasSizeGreaterThan(2);
            String damage = damage(r, files);
            FileEventLog log;
            try {
                log = FileEventLog.open(options(dir));
            } catch (HindsightException e) {
                assertThat(e.getMessage()).as(damage).isNotBlank();
                refused++;
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError("trial " + trial + " (" + damage + "): open crashed", e);
            }
            try (log) {
                checkReads(log, "trial " + trial + " (" + damage + ")");
                opened++;
            }
        }
        assertThat(opened + refused).isEqualTo(trials);
        System.out.printf(
                "%d damaged stores: %d opened, %d refused; %d events served, all as written%n",
                trials, opened, refused, served - servedBefore);
        return opened;
    }

    @FunctionalInterface
    private interface Targets {
        List<Path> files(Path dir) throws IOException;
    }

    /** Everything but the segments and the lock: indexes, offset files, checkpoints. */
    private static List<Path> derivedFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(".log"))
                    .filter(p -> !p.getFileName().toString().equals("LOCK"))
                    .filter(p -> {
                        try {
                            return Files.size(p) > 0;
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .sorted()
                    .toList();
        }
    }

    private static String damage(Random r, List<Path> files) throws IOException {
        Path seg = files.get(r.nextInt(files.size()));
        boolean active = seg.equals(files.getLast());
        String name = (seg.toString().endsWith(".log") ? (active ? "active " : "sealed ") : "")
                + seg.getParent().getFileName() + "/" + seg.getFileName();
        long extent = extent(seg);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            switch (r.nextInt(3)) {
                case 0 -> {
                    int flips = 1 + r.nextInt(4);
                    StringBuilder at = new StringBuilder();
                    for (int i = 0; i < flips; i++) {
                        long off = (long) (r.nextDouble() * extent);
                        f.seek(off);
                        int b = f.read();
                        f.seek(off);
                        f.write(b ^ (1 + r.nextInt(255)));
                        at.append(off).append(' ');
                    }
                    return "flipped bytes at " + at + "of " + name;
                }
                case 1 -> {
                    long cut = (long) (r.nextDouble() * extent);
                    f.setLength(cut);
                    return "truncated " + name + " at " + cut;
                }
                default -> {
                    long off = (long) (r.nextDouble() * extent);
                    int len = 1 + r.nextInt(200);
                    byte[] junk = new byte[len];
                    r.nextBytes(junk);
                    f.seek(off);
                    f.write(junk);
                    return "overwrote " + len + " bytes at " + off + " of " + name;
                }
            }
        }
    }

    /** Every read either returns what was written at that position or fails with a HindsightException. */
    private static void checkReads(FileEventLog log, String what) {
        long head = seq(log.head());
        for (long p = 0; p < head; p++) {
            try {
                for (RecordedEvent e :
                        log.readAll(Position.of(p), 1, EventFilter.ALL).events()) {
                    assertThat(e).as(what + ": global read after " + p).isEqualTo(WRITTEN.get(seq(e.position())));
                    served++;
                }
            } catch (HindsightException e) {
                // a damaged record is refused, not served
            } catch (RuntimeException e) {
                throw new AssertionError(what + ": global read after " + p + " crashed", e);
            }
        }
        for (int a = 0; a < AGGREGATES; a++) {
            String id = "agg-" + a;
            try {
                for (RecordedEvent e : log.readAggregate(id, 1, 10_000, ReadDirection.FORWARD)) {
                    assertThat(e).as(what + ": read of " + id).isEqualTo(WRITTEN.get(seq(e.position())));
                }
                log.aggregateVersion(id);
            } catch (HindsightException e) {
                // refused
            } catch (RuntimeException e) {
                throw new AssertionError(what + ": read of " + id + " crashed", e);
            }
        }
    }

    private static long seq(Position p) {
        return ((Position.Sequence) p).value();
    }

    /** Offset just past the last non-zero byte (segments are preallocated with zeros). */
    private static long extent(Path seg) throws IOException {
        byte[] all = Files.readAllBytes(seg);
        int i = all.length;
        while (i > 0 && all[i - 1] == 0) {
            i--;
        }
        return i;
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .sorted()
                    .toList();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path src : all.toList()) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else if (!src.getFileName().toString().equals("LOCK")) {
                    Files.copy(src, dst);
                }
            }
        }
    }
}
