package dev.hindsight.store.file.internal;

import dev.hindsight.index.HashIndex;
import dev.hindsight.index.IndexCorruptionException;
import dev.hindsight.index.KeyHash;
import dev.hindsight.store.file.FileSnapshotOptions;
import dev.hindsight.store.file.internal.SnapshotRecords.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation of the snapshot store: the file {@code snapshots-<generation>.log} of format-2 records, the
 * {@link HashIndex} of aggregate-id hash → record offset ({@code snapshots-<generation>.index/}), the locations not yet
 * written to that index (a memtable of at most {@link FileSnapshotOptions#memtableEntries()}), the zstd dictionaries
 * its records use, and the count of live bytes that triggers compaction ({@code snapshots-<generation>.state}).
 *
 * <p>Thread-safety: the readers ({@link #records}, {@link #decompress}) are lock-free and may run on any thread, also
 * while the generation is being replaced ({@link Retired} tells them to retry on the new one). Every other method must
 * be called under the owning store's lock, which guards {@code end}, {@code coveredTo}, {@code live}, the memtable's
 * arrays and the current dictionary.
 */
public final class SnapshotGeneration implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotGeneration.class);
    private static final int READ_AHEAD = 512;
    private static final int MAX_RECORD = 64 << 20;
    private static final int HEAD_CACHE = 1 << 14; // ~150 bytes a head: ≤ ~2.5 MB

    /** A read of a generation that compaction replaced; retry on the current one. */
    public static final class Retired extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Retired() {
            super("snapshot generation replaced", null, false, false);
        }
    }

    /** Sees each intact snapshot record of a recovery scan, in file order. */
    @FunctionalInterface
    public interface RecoveryVisitor {
        void visit(SnapshotGeneration generation, Rec record) throws IOException;
    }

    @FunctionalInterface
    private interface Io<T> {
        T run(FileChannel ch) throws IOException;
    }

    private final Path dir;
    private final long generation;
    private final FileSnapshotOptions options;
    private final HashIndex index;
    private final Map<Long, Rec[]> memtable = new ConcurrentHashMap<>(); // heads of the records (no bodies)
    private final SnapshotCodec codec;
    /**
     * Heads of records read from the file, direct-mapped by offset (bounded; records never change, so an entry is
     * never stale): a long aggregate's hundreds of anchors are read once, not on every load.
     */
    private final AtomicReferenceArray<Rec> heads = new AtomicReferenceArray<>(HEAD_CACHE);

    private volatile Path file;
    private volatile FileChannel channel;
    private volatile boolean retired;
    private volatile boolean closed;
    private long[] keys = new long[1024];
    private long[] values = new long[1024];
    private int n;
    private long end;
    private long coveredTo;
    private long live;

    private SnapshotGeneration(Path dir, long generation, FileSnapshotOptions options, Path file, FileChannel ch)
            throws IOException {
        this.dir = dir;
        this.generation = generation;
        this.options = options;
        this.file = file;
        this.channel = ch;
        this.codec = new SnapshotCodec(options.level());
        // 40-bit hashes, as the log's indexes (ADR 0008): every hit is checked against the record's aggregate id.
        this.index = HashIndex.open(dir.resolve(name(generation) + ".index"), "aggregates", 4, true, 40);
    }

    /** {@code snapshots-<generation>} zero-padded to 10 digits. */
    public static String name(long generation) {
        return "snapshots-%010d".formatted(generation);
    }

    /** The generation a file name ({@code snapshots-<generation>.log}) names, or -1. */
    public static long generationOf(String fileName) {
        if (fileName.length() != 24 || !fileName.startsWith("snapshots-") || !fileName.endsWith(".log")) {
            return -1;
        }
        try {
            return Long.parseLong(fileName.substring(10, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Creates an empty generation; with {@code temporary} its file is {@code <name>.log.tmp} until {@link #install}.
     */
    public static SnapshotGeneration create(Path dir, long generation, FileSnapshotOptions options, boolean temporary)
            throws IOException {
        deleteFiles(dir, generation);
        Path f = dir.resolve(name(generation) + (temporary ? ".log.tmp" : ".log"));
        FileChannel ch = FileChannel.open(
                f,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            writeFully(ch, SnapshotRecords.header(generation), 0);
            SnapshotGeneration g = new SnapshotGeneration(dir, generation, options, f, ch);
            g.end = SnapshotRecords.HEADER;
            g.coveredTo = SnapshotRecords.HEADER;
            return g;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Opens an existing generation: reads its index and state, then scans the records its index does not cover
     * (indexing them through {@code visitor}) and truncates a torn tail.
     *
     * @return the generation, or {@code null} if its header is not an intact header (format 2 or 3) of
     *     {@code generation}
     */
    public static @Nullable SnapshotGeneration open(
            Path dir, long generation, FileSnapshotOptions options, RecoveryVisitor visitor) throws IOException {
        Path f = dir.resolve(name(generation) + ".log");
        FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer h = ByteBuffer.allocate(SnapshotRecords.HEADER);
            ch.read(h, 0);
            if (SnapshotRecords.generationOf(h.flip()) != generation) {
                ch.close();
                return null;
            }
            SnapshotGeneration g = new SnapshotGeneration(dir, generation, options, f, ch);
            g.recover(visitor);
            return g;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private void recover(RecoveryVisitor visitor) throws IOException {
        long size = channel.size();
        long c = index.view().coveredTo();
        if (c == 0) {
            c = SnapshotRecords.HEADER;
        } else if (c > size) {
            LOG.warn("snapshot index of {} covers more than the file; rebuilding it", file);
            index.clear();
            c = SnapshotRecords.HEADER;
        }
        coveredTo = c;
        end = c;
        live = c - SnapshotRecords.HEADER; // unless the state file says better: only a compaction trigger
        ByteBuffer s = ByteBuffer.allocate(28);
        Path state = dir.resolve(name(generation) + ".state");
        if (Files.exists(state)) {
            try (FileChannel sc = FileChannel.open(state, StandardOpenOption.READ)) {
                sc.read(s, 0);
            }
            if (s.getLong(0) == c && s.getInt(24) == SnapshotRecords.crc(s.array(), 0, 24)) {
                live = s.getLong(8);
                loadDictionary(s.getLong(16));
            }
        }
        long good = FrameScanner.scan(channel, c, size, (off, buf, at, len) -> {
            end = off + SnapshotRecords.FRAME + len;
            if (SnapshotRecords.isDictionary(buf, at)) {
                loadDictionary(off);
            } else {
                Rec r = SnapshotRecords.decode(buf, at, len, off);
                if (r != null) {
                    visitor.visit(this, r);
                }
            }
        });
        if (good < size) {
            LOG.warn("truncating torn tail of {} at offset {} ({} bytes)", file, good, size - good);
            channel.truncate(good);
        }
        end = good;
    }

    private void loadDictionary(long offset) throws IOException {
        byte[] frame = offset == 0 ? null : readFrame(offset);
        if (frame == null || !SnapshotRecords.isDictionary(frame, 0)) {
            return; // no usable dictionary: new records are compressed without one until the next is trained
        }
        codec.use(offset, Arrays.copyOfRange(frame, SnapshotRecords.FRAME + 1, frame.length));
    }

    public long generation() {
        return generation;
    }

    /** End of the written records. Caller holds the store lock. */
    public long end() {
        return end;
    }

    /** Bytes of records still kept (an estimate after a crash). Caller holds the store lock. */
    public long live() {
        return live;
    }

    public void addLive(long delta) {
        live += delta;
    }

    /** The bytes of the dictionary new records are compressed with, {@code null} if none yet. */
    public byte @Nullable [] dictionaryBytes() {
        return codec.dictionaryBytes();
    }

    /** Appends a framed record; returns its offset. Caller holds the store lock. */
    public long append(byte[] frame) throws IOException {
        long at = end;
        try {
            io(ch -> {
                writeFully(ch, ByteBuffer.wrap(frame), at);
                return null;
            });
        } catch (IOException e) {
            try {
                channel.truncate(at);
            } catch (IOException ignored) {
                // the next open truncates the torn record anyway
            }
            throw e;
        }
        end = at + frame.length;
        return at;
    }

    /** Appends {@code dict} as a dictionary record and compresses the next records with it. */
    public void useDictionary(byte[] dict) throws IOException {
        long at = append(SnapshotRecords.dictionaryRecord(dict));
        codec.use(at, dict);
    }

    /** A compressed state part and the dictionary it used (0: none). Caller holds the store lock. */
    public record Compressed(long dictionary, byte[] body) {}

    public Compressed compress(byte[] raw) {
        return codec.compress(raw);
    }

    /** The state part of a record, or {@code null} if it cannot be decompressed (logged; treated as damaged). */
    public byte @Nullable [] decompress(Rec head) {
        try {
            Rec r = withBody(head);
            if (r == null) {
                return null;
            }
            byte[] body = java.util.Objects.requireNonNull(r.body());
            if (r.dictionary() != 0 && !codec.hasDictionary(r.dictionary())) {
                byte[] frame = readFrame(r.dictionary());
                if (frame == null || !SnapshotRecords.isDictionary(frame, 0)) {
                    LOG.warn("dictionary of the snapshot of {} at version {} is damaged", r.aggregateId(), r.version());
                    return null;
                }
                codec.register(r.dictionary(), Arrays.copyOfRange(frame, SnapshotRecords.FRAME + 1, frame.length));
            }
            return codec.decompress(body, r.dictionary(), r.rawLength());
        } catch (IOException | RuntimeException e) {
            if (e instanceof Retired) {
                throw (Retired) e;
            }
            LOG.warn(
                    "snapshot of {} at version {} does not decompress: {}",
                    head.aggregateId(),
                    head.version(),
                    e.toString());
            return null;
        }
    }

    /**
     * Adds a record to the memtable (its head only: the body is dropped), writing the memtable as an index run when it
     * is full.
     */
    public void index(Rec r) throws IOException {
        long h = KeyHash.of(r.aggregateId());
        if (n == keys.length) {
            keys = Arrays.copyOf(keys, Math.min(keys.length * 2, Math.max(options.memtableEntries(), n + 1)));
            values = Arrays.copyOf(values, keys.length);
        }
        keys[n] = h;
        values[n++] = r.offset();
        Rec head = r.body() == null ? r : r.withoutBody();
        memtable.merge(h, new Rec[] {head}, (a, b) -> {
            Rec[] c = Arrays.copyOf(a, a.length + 1);
            c[a.length] = b[0];
            return c;
        });
        if (n >= options.memtableEntries()) {
            flush();
        }
    }

    /** Writes the memtable as an index run (after forcing the file, so the index never covers what is lost). */
    public void flush() throws IOException {
        boolean interrupted = Thread.interrupted(); // an interrupt would close the run file's channel mid-write
        try {
            flushRun();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void flushRun() throws IOException {
        if (n > 0) {
            io(ch -> {
                ch.force(false);
                return null;
            });
            index.addRun(Arrays.copyOf(keys, n), Arrays.copyOf(values, n), n, coveredTo + 1, end);
            memtable.clear(); // after the run is visible: readers look in the memtable first
            n = 0;
            coveredTo = end;
        }
        ByteBuffer s = ByteBuffer.allocate(28);
        s.putLong(coveredTo).putLong(live).putLong(codec.dictionary());
        s.putInt(SnapshotRecords.crc(s.array(), 0, 24)).flip();
        Path state = dir.resolve(name(generation) + ".state");
        Path tmp = dir.resolve(name(generation) + ".state.tmp");
        try (FileChannel sc = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            writeFully(sc, s, 0);
        }
        Files.move(tmp, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The intact records of {@code aggregateId} (verified against the file: a hash is not the key), one per version
     * (the last written wins), highest version first. Superseded records not yet compacted away are included: the
     * caller applies the retention rule. Lock-free.
     *
     * @throws Retired if compaction replaced this generation meanwhile
     */
    public List<Rec> records(String aggregateId) throws IOException {
        long h = KeyHash.of(aggregateId);
        Rec[] mem = memtable.get(h); // before the runs: a flush publishes its run before clearing the memtable
        List<Rec> all = new ArrayList<>();
        if (mem != null) {
            for (Rec r : mem) {
                if (r.aggregateId().equals(aggregateId)) {
                    all.add(r);
                }
            }
        }
        List<Long> offsets = new ArrayList<>();
        try {
            index.view().forEachNewestFirst(h, o -> offsets.add(o));
        } catch (IndexCorruptionException e) {
            LOG.warn("snapshot index of {} is damaged ({}); rebuilt on the next open", file, e.getMessage());
        }
        for (long o : offsets) {
            Rec r = head(o);
            if (r != null && r.aggregateId().equals(aggregateId)) {
                all.add(r); // also found in the memtable if a flush ran meanwhile: deduplicated below by offset
            }
        }
        // highest version first; per version the last written (highest offset) wins
        all.sort((a, b) -> a.version() != b.version()
                ? Long.compare(b.version(), a.version())
                : Long.compare(b.offset(), a.offset()));
        List<Rec> out = new ArrayList<>(all.size());
        for (Rec r : all) {
            if (out.isEmpty() || out.getLast().version() != r.version()) {
                out.add(r);
            }
        }
        return out;
    }

    /** The head of the record at {@code offset}, from the cache or the file; {@code null} if damaged. */
    private @Nullable Rec head(long offset) throws IOException {
        int slot = (int) (KeyHash.mix(offset) & (HEAD_CACHE - 1));
        Rec cached = heads.get(slot);
        if (cached != null && cached.offset() == offset) {
            return cached;
        }
        byte[] frame = readFrame(offset);
        Rec r = frame == null ? null : SnapshotRecords.decode(frame, 0, frame.length - SnapshotRecords.FRAME, offset);
        if (r != null) {
            r = r.withoutBody();
            heads.set(slot, r);
        }
        return r;
    }

    /** The record with its body, read from the file if {@code r} is a memtable head; {@code null} if damaged. */
    private @Nullable Rec withBody(Rec r) throws IOException {
        if (r.body() != null) {
            return r;
        }
        byte[] frame = readFrame(r.offset());
        Rec full = frame == null
                ? null
                : SnapshotRecords.decode(frame, 0, frame.length - SnapshotRecords.FRAME, r.offset());
        return full != null && full.aggregateId().equals(r.aggregateId()) && full.version() == r.version()
                ? full
                : null;
    }

    /** The intact frame at {@code offset}, or {@code null} if it is damaged (logged). */
    private byte @Nullable [] readFrame(long offset) throws IOException {
        byte[] head = new byte[READ_AHEAD];
        int got = readAt(head, offset);
        if (got < SnapshotRecords.FRAME) {
            return null;
        }
        int len = SnapshotRecords.payloadLength(head, 0);
        if (len <= 0 || len > MAX_RECORD) {
            LOG.warn("snapshot record in {} at offset {} has a damaged frame; skipped", file, offset);
            return null;
        }
        byte[] frame = Arrays.copyOf(head, SnapshotRecords.FRAME + len);
        if (SnapshotRecords.FRAME + len > got && readAt(frame, offset) < frame.length) {
            return null;
        }
        if (!SnapshotRecords.intact(frame, 0, len)) {
            LOG.warn("snapshot record in {} at offset {} fails its CRC; skipped", file, offset);
            return null;
        }
        return frame;
    }

    /** Reads up to {@code buf.length} bytes at {@code offset}; returns how many (fewer at the end of the file). */
    private int readAt(byte[] buf, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf);
        return io(ch -> {
            b.clear();
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    break;
                }
            }
            return b.position();
        });
    }

    /** The file (its final name once installed). */
    public Path file() {
        return file;
    }

    /** Offset of the dictionary new records are compressed with, 0 if none. Caller holds the store lock. */
    public long dictionary() {
        return codec.dictionary();
    }

    /** Forces the file and renames a temporary generation's file to its final name. */
    public void install() throws IOException {
        channel.force(true);
        Path f = dir.resolve(name(generation) + ".log");
        Files.move(file, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        file = f;
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
        flush();
    }

    /**
     * Runs {@code op} so that thread interrupts cannot break the generation: an interrupt closes a channel for every
     * thread using it; it is reopened and the operation retried, with the caller's interrupt status restored after.
     */
    private <T> T io(Io<T> op) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                FileChannel ch = channel;
                try {
                    return op.run(ch);
                } catch (Throwable e) {
                    // Not `catch (ClosedChannelException e)`: C2 may compile io() while that class is not yet resolved
                    // here (no read has met a closed channel yet) and then drop that handler, so the
                    // AsynchronousCloseException of a read racing retire() escaped as an IOException instead of
                    // Retired (loadgen: "cannot read snapshot: null" after a compaction). A Throwable handler is
                    // resolved at verification, and instanceof of an unresolved class deoptimizes instead.
                    if (!(e instanceof ClosedChannelException)) {
                        throw e;
                    }
                    if (retired) {
                        throw new Retired();
                    }
                    if (closed) {
                        throw e;
                    }
                    interrupted |= Thread.interrupted();
                    reopen(ch);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void reopen(FileChannel broken) throws IOException {
        if (channel == broken && !closed && !retired) {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    /**
     * Bytes of this generation's files: the records, the index runs and the state. Index runs merged away (deleted)
     * while it counts are skipped, not an error: the background merge may delete a run between the directory listing
     * and the file's attributes.
     */
    public long bytesOnDisk() throws IOException {
        String prefix = name(generation);
        long[] total = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
                Path parent = p.getParent();
                if (attrs.isRegularFile()
                        && (p.getFileName().toString().startsWith(prefix)
                                || (parent != null
                                        && parent.getFileName().toString().startsWith(prefix)))) {
                    total[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, @Nullable IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    /** Closes and deletes this generation (compaction replaced it); readers still on it get {@link Retired}. */
    public synchronized void retire() throws IOException {
        retired = true;
        channel.close();
        index.close();
        codec.close();
        deleteFiles(dir, generation);
    }

    /** Writes the memtable as an index run, then closes. Caller holds the store lock. */
    @Override
    public synchronized void close() {
        try {
            if (!retired && !closed) {
                flush();
            }
        } catch (IOException e) {
            LOG.warn("could not write the snapshot index of {} on close (rebuilt on open)", file, e);
        }
        closed = true;
        codec.close();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing {}", file, e);
        }
        index.close();
    }

    /** Deletes every file of {@code generation}: records, temp file, state and index. */
    public static void deleteFiles(Path dir, long generation) throws IOException {
        String base = name(generation);
        for (String suffix : List.of(".log", ".log.tmp", ".state", ".state.tmp")) {
            Files.deleteIfExists(dir.resolve(base + suffix));
        }
        Path idx = dir.resolve(base + ".index");
        if (Files.isDirectory(idx)) {
            try (var s = Files.list(idx)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(idx);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b, at + b.position());
        }
    }
}
