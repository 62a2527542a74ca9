package dev.hindsight.bench.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * The physical limit of durable appends: one thread doing sequential {@code FileChannel.write} of {@code bytes} and
 * then {@code force(false)} (fdatasync), in a loop, with no engine around it. Not thread-safe; one run at a time.
 */
public final class RawFsyncBaseline {
    private static final long SPARSE_BYTES = 64L << 30;
    private static final long RING_BYTES = 256L << 20;

    /** How the file under the writes is laid out, which decides how much metadata each fdatasync must also flush. */
    public enum FileMode {
        /**
         * Like the engine's segments: extended sparse up front, then written in order, so each write allocates blocks
         * (the journal commits with the data).
         */
        SPARSE,
        /** Appended at its end, growing the file: each fdatasync also commits the new size and blocks. */
        GROW,
        /** Written with zeros and forced first, then overwritten in a ring: pure data writes, no metadata. */
        PREWRITTEN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Outcome of one baseline run (or several, merged).
     *
     * @param mode file layout
     * @param bytes bytes written in the measured window
     * @param syncs write+fdatasync cycles completed in the measured window
     * @param seconds length of the measured window
     * @param cycles latency of one write+fdatasync, nanoseconds
     * @param fsyncs latency of the fdatasync alone, nanoseconds
     */
    public record Result(FileMode mode, long bytes, long syncs, double seconds, Histogram cycles, Histogram fsyncs) {

        /** Both measurements together, as if one window. */
        public Result merge(Result o) {
            Histogram c = cycles.copy();
            c.add(o.cycles);
            Histogram f = fsyncs.copy();
            f.add(o.fsyncs);
            return new Result(mode, bytes + o.bytes, syncs + o.syncs, seconds + o.seconds, c, f);
        }

        public int bytesPerSync() {
            return syncs == 0 ? 0 : (int) Math.round((double) bytes / syncs);
        }

        public double syncsPerSecond() {
            return syncs / seconds;
        }

        public double megabytesPerSecond() {
            return bytes / seconds / 1e6;
        }

        public Latency cycle() {
            return Latency.of(cycles);
        }

        public Latency fsync() {
            return Latency.of(fsyncs);
        }
    }

    private RawFsyncBaseline() {}

    /** Runs the loop for {@code warmup} (not counted) and then {@code measure} in a new file under {@code dir}. */
    public static Result run(Path dir, FileMode mode, int bytesPerSync, Duration warmup, Duration measure) {
        Path file = dir.resolve("raw-" + mode.label() + "-" + bytesPerSync + ".dat");
        try {
            Files.deleteIfExists(file);
            try (FileChannel ch = FileChannel.open(
                    file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                prepare(ch, mode);
                return loop(ch, mode, bytesPerSync, warmup, measure);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("baseline in " + dir + " failed", e);
        }
    }

    private static void prepare(FileChannel ch, FileMode mode) throws IOException {
        switch (mode) {
            case SPARSE -> ch.write(ByteBuffer.wrap(new byte[1]), SPARSE_BYTES - 1);
            case GROW -> {
                // nothing: every write extends the file
            }
            case PREWRITTEN -> {
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                for (long at = 0; at < RING_BYTES; at += zeros.capacity()) {
                    zeros.clear();
                    writeFully(ch, zeros, at);
                }
            }
            default -> throw new IllegalStateException();
        }
        ch.force(true);
    }

    private static Result loop(FileChannel ch, FileMode mode, int bytes, Duration warmup, Duration measure)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes);
        SplittableRandom random = new SplittableRandom(bytes);
        while (buf.hasRemaining()) {
            buf.put((byte) random.nextInt());
        }
        long limit = mode == FileMode.SPARSE ? SPARSE_BYTES : mode == FileMode.PREWRITTEN ? RING_BYTES : Long.MAX_VALUE;
        Histogram cycle = Latency.histogram();
        Histogram fsync = Latency.histogram();
        long measureStart = System.nanoTime() + warmup.toNanos();
        long measureEnd = measureStart + measure.toNanos();
        long at = 0;
        long syncs = 0;
        long t0;
        while ((t0 = System.nanoTime()) < measureEnd) {
            if (at + bytes > limit) {
                at = 0; // PREWRITTEN wraps; SPARSE would need 64 GiB first
            }
            buf.clear();
            writeFully(ch, buf, at);
            long t1 = System.nanoTime();
            ch.force(false);
            long t2 = System.nanoTime();
            at += bytes;
            if (t0 >= measureStart) {
                syncs++;
                cycle.recordValue(t2 - t0);
                fsync.recordValue(t2 - t1);
            }
        }
        return new Result(mode, syncs * bytes, syncs, measure.toNanos() / 1e9, cycle, fsync);
    }

    private static void writeFully(FileChannel ch, ByteBuffer src, long at) throws IOException {
        long pos = at;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }
}
