package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery reads through the log's block cache, the one the opened log keeps: an attempt that finds the indexes stale
 * and starts over must leave it open, or every block of that log is decompressed onto the heap for as long as it is
 * open.
 */
class RecoveryBlockCacheTest {
    @TempDir
    Path dir;

    @Test
    void recoveryThatRebuildsStaleIndexes_keepsBlocksOffTheHeap() throws Exception {
        FileLogOptions o =
                FileLogOptions.defaults(dir).withFsync(FsyncPolicy.NEVER).withSegmentBytes(64 * 1024);
        append(o, 0, 200);
        Path segments = dir.resolve("segments");
        Path older = dir.resolve("older-segments");
        copy(segments, older);
        append(o, 200, 200); // the indexes now cover positions the older segments do not hold
        deleteTree(segments);
        Files.move(older, segments);
        try (Stream<Path> s = Files.list(segments)) {
            assertThat(s.filter(p -> p.toString().endsWith(".zlog"))).isNotEmpty();
        }

        BlockCache blocks = new BlockCache(8L << 20);
        Recovery.Result r = Recovery.run(
                segments,
                (int) o.segmentBytes(),
                o.indexCacheEntries(),
                o.memtableEvents(),
                blocks,
                ArchiveManifest.readLocal(dir),
                e -> {
                    throw new AssertionError("nothing is archived");
                });
        try {
            assertThat(r.indexedPosition()).isZero(); // the first attempt found them stale: rebuilt
            assertThat(r.state().committed()).isEqualTo(200);
            assertThat(r.state().blockCache()).isSameAs(blocks);
            assertThat(r.state().read(1).aggregateId()).isEqualTo("agg-0"); // in a compressed segment
            assertThat(blocks.memory().inUse()).isPositive(); // its block is cached in a slot, off the heap
        } finally {
            r.state().closeQuietly();
        }
        assertThat(blocks.memory().inUse()).isZero();
    }

    private static void append(FileLogOptions o, int from, int count) throws InterruptedException {
        try (FileEventLog log = FileEventLog.open(o)) {
            EventStore store = EventStore.of(log);
            for (int i = from; i < from + count; i++) {
                store.append(
                        "agg-" + (i % 7),
                        ExpectedVersion.ANY,
                        EventData.of("T", "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(800) + "\"}"));
            }
            log.awaitCompaction();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
