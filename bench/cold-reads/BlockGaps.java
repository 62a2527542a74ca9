import dev.hindsight.archive.ObjectStores;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.index.OffsetFile;
import dev.hindsight.store.file.ArchiveOptions;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FsyncPolicy;
import dev.hindsight.store.file.internal.ArchiveManifest;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * How far apart the blocks of one aggregate are in the archived segments of a store that {@code growth --archive-url}
 * grew (the same 200 "archived" ids as ColdReads), and what each coalescing gap would cost: ranged requests and bytes
 * per aggregate read. Layout only (no timing): {@code java -cp hindsight-bench.jar bench/cold-reads/BlockGaps.java
 * SOURCE DIR ARCHIVE_URL S3_ENDPOINT FIRST_ROUND_SIZE} on a copy of the store (JDK 22 or newer: it uses
 * {@code ColdReads} beside it, a multi-file source program).
 */
public final class BlockGaps {
    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        Path dir = Path.of(args[1]);
        int firstRound = Integer.parseInt(args[4]);
        List<String> seed = ColdReads.seedAggregates(source, firstRound);
        Random rnd = new Random(7);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(seed.get(rnd.nextInt(firstRound / 2)) + "-r0");
            rnd.nextInt(Math.max(1, firstRound / 4)); // ColdReads' hot id: keeps the same sequence
        }
        List<ArchiveManifest.Entry> entries = ArchiveManifest.readLocal(dir).segments();
        Map<Long, int[]> starts = new HashMap<>();
        Map<Long, long[]> fileOffsets = new HashMap<>();
        Map<Long, int[]> lengths = new HashMap<>();
        Map<Long, OffsetFile> offsets = new HashMap<>();
        List<List<long[]>> perRead = new ArrayList<>(); // per aggregate: per segment, its needed blocks' {off, len}
        try (ObjectStore store = ObjectStores.open(args[2], args[3]);
                FileEventLog log = FileEventLog.open(FileLogOptions.defaults(dir)
                        .withFsync(FsyncPolicy.NEVER)
                        .withArchive(new ArchiveOptions(store, Duration.ZERO, Duration.ofDays(1), 0)))) {
            for (ArchiveManifest.Entry e : entries) {
                byte[] raw = store.get(e.key(), e.tableOffset(), e.blocks() * 20 + 4);
                ByteBuffer b = ByteBuffer.wrap(raw);
                int[] st = new int[e.blocks()];
                long[] fo = new long[e.blocks()];
                int[] len = new int[e.blocks()];
                for (int i = 0; i < e.blocks(); i++) {
                    st[i] = b.getInt();
                    fo[i] = b.getLong();
                    len[i] = b.getInt() & 0x7fffffff;
                    b.getInt();
                }
                starts.put(e.base(), st);
                fileOffsets.put(e.base(), fo);
                lengths.put(e.base(), len);
                offsets.put(
                        e.base(),
                        OffsetFile.open(
                                dir.resolve("index").resolve(String.format("%020d.idx", e.base())),
                                e.base(),
                                e.records()));
            }
            for (String id : ids) {
                Map<Long, TreeSet<Integer>> needed = new HashMap<>();
                for (RecordedEvent ev : log.readAggregate(id, 1, 1000, ReadDirection.FORWARD)) {
                    long p = ((dev.hindsight.core.Position.Sequence) ev.position()).value();
                    for (ArchiveManifest.Entry e : entries) {
                        if (p >= e.base() && p < e.base() + e.records()) {
                            int off = offsets.get(e.base()).offset(p);
                            int i = Arrays.binarySearch(starts.get(e.base()), off);
                            i = i < 0 ? -i - 2 : i;
                            needed.computeIfAbsent(e.base(), k -> new TreeSet<>()).add(i);
                        }
                    }
                }
                List<long[]> blocks = new ArrayList<>();
                for (var n : needed.entrySet()) {
                    for (int i : n.getValue()) {
                        blocks.add(new long[] {
                            n.getKey(), fileOffsets.get(n.getKey())[i], lengths.get(n.getKey())[i]
                        });
                    }
                }
                perRead.add(blocks);
            }
        }
        List<Long> gaps = new ArrayList<>();
        List<Integer> blockCounts = new ArrayList<>();
        for (List<long[]> blocks : perRead) {
            blockCounts.add(blocks.size());
            for (int k = 1; k < blocks.size(); k++) {
                if (blocks.get(k)[0] == blocks.get(k - 1)[0]) {
                    gaps.add(blocks.get(k)[1] - blocks.get(k - 1)[1] - blocks.get(k - 1)[2]);
                }
            }
        }
        gaps.sort(null);
        blockCounts.sort(null);
        System.out.printf(
                Locale.ROOT,
                "%d archived aggregates; distinct blocks per aggregate p50 %d p90 %d max %d; %d gaps between an"
                        + " aggregate's blocks of one segment (bytes): min %d p10 %d p25 %d p50 %d p75 %d p90 %d max %d%n",
                perRead.size(),
                blockCounts.get(blockCounts.size() / 2),
                blockCounts.get(blockCounts.size() * 9 / 10),
                blockCounts.getLast(),
                gaps.size(),
                gaps.getFirst(),
                gaps.get(gaps.size() / 10),
                gaps.get(gaps.size() / 4),
                gaps.get(gaps.size() / 2),
                gaps.get(gaps.size() * 3 / 4),
                gaps.get(gaps.size() * 9 / 10),
                gaps.getLast());
        long[] candidates = {-1, 0, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20};
        for (long gap : candidates) {
            for (long span : new long[] {2 << 20, 8 << 20}) {
                int[] req = new int[perRead.size()];
                long[] bytes = new long[perRead.size()];
                for (int r = 0; r < perRead.size(); r++) {
                    List<long[]> blocks = perRead.get(r);
                    long first = -1;
                    long end = -1;
                    long seg = -1;
                    for (long[] b : blocks) {
                        boolean join = first >= 0
                                && b[0] == seg
                                && gap >= 0
                                && b[1] - end <= gap
                                && b[1] + b[2] - first <= span;
                        if (!join) {
                            if (first >= 0) {
                                bytes[r] += end - first;
                            }
                            req[r]++;
                            first = b[1];
                            seg = b[0];
                        }
                        end = b[1] + b[2];
                    }
                    if (first >= 0) {
                        bytes[r] += end - first;
                    }
                }
                Arrays.sort(req);
                Arrays.sort(bytes);
                System.out.printf(
                        Locale.ROOT,
                        "gap %8d span %8d: requests per read p50 %d p99 %d max %d; KiB per read p50 %d p99 %d max %d%n",
                        gap,
                        span,
                        req[req.length / 2],
                        req[(int) (req.length * 0.99)],
                        req[req.length - 1],
                        bytes[bytes.length / 2] >> 10,
                        bytes[(int) (bytes.length * 0.99)] >> 10,
                        bytes[bytes.length - 1] >> 10);
            }
        }
    }
}
