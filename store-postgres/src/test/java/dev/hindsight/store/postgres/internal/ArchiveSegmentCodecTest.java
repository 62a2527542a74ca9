package dev.hindsight.store.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL archive's segment codec over seeded random ranges: what is written decodes to the same events, block
 * by block as the writer says (first positions, block of each record), and a flipped byte in any block is refused,
 * never decoded into other events.
 */
class ArchiveSegmentCodecTest {
    private static List<RecordedEvent> range(Random r, int n) {
        List<RecordedEvent> out = new ArrayList<>();
        long xid = 1_000 + r.nextInt(1_000);
        int index = 0;
        for (int i = 0; i < n; i++) {
            if (r.nextInt(3) == 0) { // a new transaction
                xid += 1 + r.nextInt(50);
                index = 0;
            }
            long position = (xid << 20) + index++;
            String data = "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(r.nextInt(2_000)) + "\"}";
            out.add(new RecordedEvent(
                    new UUID(r.nextLong(), r.nextLong()),
                    "agg-" + r.nextInt(30),
                    r.nextBoolean() ? "Deposited" : "Withdrawn",
                    1 + r.nextInt(3),
                    data,
                    "{\"user_id\":\"u" + r.nextInt(9) + "\"}",
                    1 + r.nextInt(1_000),
                    Position.of(position),
                    Instant.ofEpochSecond(1_700_000_000L + r.nextInt(1_000_000), r.nextInt(1_000_000_000)),
                    Instant.ofEpochSecond(1_700_000_000L + r.nextInt(1_000_000), r.nextInt(1_000_000) * 1_000L)));
        }
        return out;
    }

    @Test
    void write_thenDecode_givesTheSameEvents_inTheBlocksTheWriterNamed() {
        Random r = new Random(20261206);
        for (int round = 0; round < 20; round++) {
            List<RecordedEvent> events = range(r, 1 + r.nextInt(400));
            ArchiveSegmentWriter.Segment s = ArchiveSegmentWriter.write(events, 3);
            ArchiveSegmentReader.Decoded d = ArchiveSegmentReader.decode(s.bytes(), "round " + round);

            assertThat(ArchiveSegmentReader.read(s.bytes(), "x")).isEqualTo(events);
            assertThat(d.blockEvents()).hasSize(s.blocks());
            assertThat(d.table()).isEqualTo(s.table());
            int k = 0;
            for (int b = 0; b < s.blocks(); b++) {
                List<RecordedEvent> block = d.blockEvents().get(b);
                assertThat(block.getFirst().position().toString())
                        .isEqualTo(Position.of(s.blockPositions()[b]).toString());
                for (RecordedEvent e : block) {
                    assertThat(e).isEqualTo(events.get(k));
                    assertThat(s.recordBlocks()[k]).isEqualTo(b);
                    k++;
                }
            }
            // each block alone, as reads through the archive fetch them
            ArchiveSegmentReader.Table t = ArchiveSegmentReader.table(s.table(), s.blocks(), "t");
            for (int b = 0; b < s.blocks(); b++) {
                int from = (int) t.fileOffset()[b];
                byte[] z = Arrays.copyOfRange(s.bytes(), from, from + t.length()[b]);
                assertThat(ArchiveSegmentReader.block(t, b, z, s.extent(), "t"))
                        .isEqualTo(d.blockEvents().get(b));
            }
        }
    }

    @Test
    void aFlippedByte_isRefused_neverDecodedIntoOtherEvents() {
        Random r = new Random(7);
        List<RecordedEvent> events = range(r, 300);
        ArchiveSegmentWriter.Segment s = ArchiveSegmentWriter.write(events, 3);
        for (int i = 0; i < 200; i++) {
            byte[] bytes = s.bytes().clone();
            int at = r.nextInt(bytes.length);
            bytes[at] ^= (byte) (1 << r.nextInt(8));
            if (at >= 48 && at < ArchiveSegmentWriter.HEADER_BYTES) {
                // the header's zero padding: no CRC covers it, and nothing reads it
                assertThat(ArchiveSegmentReader.read(bytes, "seg")).isEqualTo(events);
                continue;
            }
            assertThatThrownBy(() -> ArchiveSegmentReader.read(bytes, "seg"))
                    .as("byte " + at)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("archived segment seg");
        }
        byte[] table = s.table();
        table[3] ^= 1;
        assertThatThrownBy(() -> ArchiveSegmentReader.table(table, s.blocks(), "seg"))
                .hasMessageContaining("block table CRC mismatch");
    }
}
