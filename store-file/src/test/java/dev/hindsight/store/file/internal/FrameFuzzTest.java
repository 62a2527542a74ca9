package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing of the segment record decoder (Jazzer). Without {@code JAZZER_FUZZ=1} each target runs its
 * seed corpus only ({@code src/test/resources/.../FrameFuzzTestInputs/<target>/}: every finding is kept there as a
 * regression input); with it, each fuzzes for {@code maxDuration}. A finding is any exception but a
 * {@link HindsightException} (the engine's clean "corrupt" answer), a hang or an out-of-memory.
 */
class FrameFuzzTest {
    /** Arbitrary bytes as one frame: the scanner's check never throws; a frame it accepts decodes. */
    @FuzzTest(maxDuration = "20s")
    void frame_arbitraryBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (Recovery.validFrameAt(b, 0, bytes.length, -1)) {
            decodeCleanly(Arrays.copyOf(bytes, FrameCodec.HEADER + b.getInt(0)));
        }
        if (bytes.length >= FrameCodec.HEADER) {
            // the same bytes with a correct length and CRC: garbage that no CRC check catches (a writer bug, a
            // crafted file) must still be refused cleanly, never crash the reader
            byte[] f = bytes.clone();
            ByteBuffer.wrap(f).putInt(0, f.length - FrameCodec.HEADER);
            FrameCodec.reseal(ByteBuffer.wrap(f), 0);
            decodeCleanly(f);
        }
    }

    private static void decodeCleanly(byte[] frame) {
        try {
            RecordedEvent e = FrameCodec.decode(frame);
            assertThat(e.aggregateId()).isNotNull();
        } catch (HindsightException expected) {
            // refused
        }
    }

    /**
     * A segment of well-formed frames (with valid CRCs) built from the input's fields, some then damaged, opened as
     * a store: the open and every read either succeed or fail with a {@link HindsightException}.
     */
    @FuzzTest(maxDuration = "20s")
    void segment_framesFromInput(FuzzedDataProvider data) throws IOException {
        Path dir = Files.createTempDirectory("frame-fuzz");
        try {
            Path segments = Files.createDirectories(dir.resolve("segments"));
            Files.write(segments.resolve(Segment.fileName(1)), segment(data));
            FileLogOptions options =
                    FileLogOptions.defaults(dir).withSegmentBytes(64 * 1024).withCompressionLevel(0);
            FileEventLog log;
            try {
                log = FileEventLog.open(options);
            } catch (HindsightException refused) {
                return;
            }
            try (log) {
                readEverything(log);
            }
        } finally {
            delete(dir);
        }
    }

    private static byte[] segment(FuzzedDataProvider data) {
        ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        out.put("HSLOG001".getBytes(StandardCharsets.US_ASCII)).putInt(1).putLong(1);
        out.position(Segment.HEADER_BYTES);
        int events = data.consumeInt(0, 12);
        long position = 1;
        for (int i = 0; i < events && data.remainingBytes() > 0; i++) {
            ProposedEvent e = new ProposedEvent(
                    new UUID(data.consumeLong(), data.consumeLong()),
                    data.consumeString(20),
                    data.consumeString(20),
                    data.consumeInt(),
                    data.consumeString(40),
                    data.consumeString(40),
                    Instant.ofEpochSecond(data.consumeLong(-1L << 40, 1L << 40), data.consumeInt(0, 999_999_999)),
                    false);
            byte[] f = FrameCodec.encode(e);
            if (out.remaining() < f.length) {
                break;
            }
            int at = out.position();
            out.put(f);
            long pos = data.consumeBoolean() ? position : data.consumeLong();
            long version = data.consumeLong(-2, 5);
            byte flags = data.consumeByte();
            FrameCodec.seal(out, at, pos, version, data.consumeLong(), data.consumeLong(0, 20), flags);
            if (data.consumeBoolean()) {
                int k = at + data.consumeInt(0, f.length - 1);
                out.put(k, (byte) (out.get(k) ^ data.consumeByte()));
            }
            position++;
        }
        return out.array();
    }

    private static void readEverything(FileEventLog log) {
        try {
            Position head = log.head();
            Position p = Position.START;
            for (int guard = 0; guard < 100; guard++) {
                var slice = log.readAll(p, 5, EventFilter.ALL);
                if (slice.events().isEmpty()) {
                    break;
                }
                for (RecordedEvent e : slice.events()) {
                    assertThat(head.covers(e.position())).isTrue();
                    log.readAggregate(e.aggregateId(), 1, 20, ReadDirection.FORWARD);
                    log.aggregateVersion(e.aggregateId());
                }
                p = slice.next();
            }
        } catch (HindsightException refused) {
            // a damaged record is refused, not served
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
