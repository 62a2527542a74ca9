package dev.hindsight.store.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local copies of archived segments' block tables, in {@code <data-dir>/archive/tables/<base>.ztab}, so that a cold read
 * of an archived segment asks the object store for the blocks it needs and nothing else (ADR 0012, session 17
 * amendment). Written by the archiver before the manifest lists the segment; a missing, damaged or mismatched file is
 * fetched again from the object (one ranged read of its table) and rewritten. The tables are read on demand (they stay
 * in the bounded block cache like any table), so memory does not grow with the archive.
 *
 * <pre>
 * header (64 bytes): 8 bytes magic "HSZTAB01", int format (1), long base position, int block count, long table offset
 *                    in the object, long object size, 16 bytes object MD5, int crc32c of bytes 0..55, zero padding
 * table:             the object's block table bytes as stored (blocks × 20 bytes, then their crc32c)
 * </pre>
 *
 * A file is used only if its header CRC holds, its fields equal the manifest entry's, its size is exact and the table's
 * own CRC holds. Thread-safe: files are replaced atomically (temp file, rename).
 */
public final class ArchivedTables {
    private static final Logger LOG = LoggerFactory.getLogger(ArchivedTables.class);

    static final byte[] MAGIC = "HSZTAB01".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT = 1;
    static final int HEADER = 64;
    static final String DIR = "tables";
    private static final int OFF_HEADER_CRC = 56;
    private static final String SUFFIX = ".ztab";

    private final Path dir;
    private final AtomicLong refetched = new AtomicLong();

    /** Where an archived segment's table comes from when the local copy cannot be used. */
    @FunctionalInterface
    interface Remote {
        byte[] read() throws IOException;
    }

    /** The tables of the store in {@code dataDir} (the directory is created at the first write). */
    public ArchivedTables(Path dataDir) {
        this.dir = dataDir.resolve(ArchiveManifest.DIR).resolve(DIR);
    }

    Path file(long base) {
        return dir.resolve(String.format("%020d", base) + SUFFIX);
    }

    /** Bytes of the block table of {@code e} as stored in its object: entries, then their CRC. */
    static int tableBytes(ArchiveManifest.Entry e) {
        return e.blocks() * CompressedSegment.TABLE_ENTRY + 4;
    }

    /** Tables fetched from the object store because the local copy was missing or not usable (tests, diagnostics). */
    public long refetched() {
        return refetched.get();
    }

    /**
     * The raw block table of {@code e}: the local copy if it is valid, else the object's (then kept locally). The
     * object's table is returned even if it fails its CRC, for the caller to report; it is not kept then.
     */
    byte[] read(ArchiveManifest.Entry e, Remote remote) throws IOException {
        Path f = file(e.base());
        byte @Nullable [] local = null;
        try {
            local = Files.readAllBytes(f);
        } catch (NoSuchFileException missing) {
            LOG.debug("no local block table {}; fetching it from the archive", f);
        } catch (IOException unreadable) {
            LOG.warn(
                    "cannot read the local block table {} ({}); fetching it from the archive",
                    f,
                    unreadable.toString());
        }
        if (local != null) {
            String problem = check(local, e);
            if (problem == null) {
                return Arrays.copyOfRange(local, HEADER, local.length);
            }
            LOG.warn("local block table {} {}; fetching it from the archive", f, problem);
        }
        refetched.incrementAndGet();
        byte[] raw = remote.read();
        if (tableValid(raw, e.blocks())) {
            try {
                write(e, raw);
            } catch (IOException ex) {
                LOG.warn("could not keep the block table of {} in {}", e.key(), f, ex);
            }
        }
        return raw;
    }

    /**
     * Writes the local table of {@code e} from its raw bytes (temp file, fsync, rename, directory fsync).
     *
     * @throws IllegalArgumentException if {@code raw} fails its CRC or does not fit {@code e}
     */
    void write(ArchiveManifest.Entry e, byte[] raw) throws IOException {
        if (!tableValid(raw, e.blocks())) {
            throw new IllegalArgumentException("the block table of " + e.key() + " fails its CRC");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER + raw.length);
        b.put(MAGIC).putInt(FORMAT).putLong(e.base()).putInt(e.blocks()).putLong(e.tableOffset());
        b.putLong(e.bytes()).put(md5Bytes(e));
        b.putInt(OFF_HEADER_CRC, CompressedSegment.crc(b.array(), 0, OFF_HEADER_CRC));
        b.put(HEADER, raw);
        Files.createDirectories(dir);
        Path f = file(e.base());
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer w = ByteBuffer.wrap(b.array());
            while (w.hasRemaining()) {
                ch.write(w);
            }
            ch.force(true);
        }
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Segment.forceDirectory(dir);
    }

    /** Writes the local table of {@code e} from its whole object, unless a valid one is there already. */
    void offerWhole(ArchiveManifest.Entry e, byte[] object) {
        Path f = file(e.base());
        try {
            if (Files.exists(f) && check(Files.readAllBytes(f), e) == null) {
                return;
            }
            int from = Math.toIntExact(e.tableOffset());
            write(e, Arrays.copyOfRange(object, from, from + tableBytes(e)));
        } catch (IOException | RuntimeException ex) {
            LOG.warn("could not keep the block table of {} in {}", e.key(), f, ex);
        }
    }

    /**
     * Deletes tables of segments the manifest does not list (an archive run that stopped before its manifest) and
     * unfinished temp files. Called at open, before the archiver runs.
     */
    void prune(ArchiveManifest manifest) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Set<String> listed = manifest.segments().stream()
                .map(x -> file(x.base()).getFileName().toString())
                .collect(Collectors.toSet());
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (!listed.contains(p.getFileName().toString())) {
                    LOG.info("removing {}: no archived segment of the manifest has it", p);
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Null if {@code file} is a valid local table of {@code e}, else what is wrong with it. */
    static @Nullable String check(byte[] file, ArchiveManifest.Entry e) {
        if (file.length != HEADER + tableBytes(e)) {
            return "has " + file.length + " bytes, not " + (HEADER + tableBytes(e));
        }
        ByteBuffer h = ByteBuffer.wrap(file, 0, HEADER);
        if (!Arrays.equals(Arrays.copyOf(file, MAGIC.length), MAGIC)
                || h.getInt(OFF_HEADER_CRC) != CompressedSegment.crc(file, 0, OFF_HEADER_CRC)) {
            return "has no valid header (checksum)";
        }
        if (h.getInt(8) != FORMAT
                || h.getLong(12) != e.base()
                || h.getInt(20) != e.blocks()
                || h.getLong(24) != e.tableOffset()
                || h.getLong(32) != e.bytes()
                || !Arrays.equals(Arrays.copyOfRange(file, 40, 56), md5Bytes(e))) {
            return "belongs to another object than the manifest's " + e.key();
        }
        if (!tableValid(Arrays.copyOfRange(file, HEADER, file.length), e.blocks())) {
            return "fails its table checksum";
        }
        return null;
    }

    static boolean tableValid(byte[] raw, int blocks) {
        int n = blocks * CompressedSegment.TABLE_ENTRY;
        return raw.length == n + 4 && ByteBuffer.wrap(raw).getInt(n) == CompressedSegment.crc(raw, 0, n);
    }

    private static byte[] md5Bytes(ArchiveManifest.Entry e) {
        byte[] m = new byte[16];
        try {
            byte[] parsed = HexFormat.of().parseHex(e.md5());
            System.arraycopy(parsed, 0, m, 0, Math.min(16, parsed.length));
        } catch (IllegalArgumentException notHex) {
            // an MD5 the store reported in another form: the other header fields and the CRCs still bind the file
        }
        return m;
    }
}
