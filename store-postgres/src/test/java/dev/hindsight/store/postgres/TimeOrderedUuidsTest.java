package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TimeOrderedUuidsTest {
    @Test
    void get_isVersion7WithTheClocksMillisecondsInFront() {
        Instant t = Instant.parse("2026-11-26T18:00:00.123Z");
        UUID id = new TimeOrderedUuids(Clock.fixed(t, ZoneOffset.UTC)).get();

        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(t.toEpochMilli());
    }

    @Test
    void get_laterMillisecond_sortsAfter_andIdsDoNotRepeat() {
        Instant t = Instant.parse("2026-11-26T18:00:00Z");
        TimeOrderedUuids first = new TimeOrderedUuids(Clock.fixed(t, ZoneOffset.UTC));
        TimeOrderedUuids later = new TimeOrderedUuids(Clock.fixed(t.plusMillis(1), ZoneOffset.UTC));
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertThat(seen.add(first.get())).isTrue();
        }

        // As unsigned 128-bit numbers (the order of PostgreSQL's uuid type), not UUID.compareTo, which is signed.
        UUID a = first.get();
        UUID b = later.get();
        assertThat(Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits()))
                .isNegative();
    }

    @Test
    void engineDefault_storeWithoutItsOwnIds_assignsTimeOrderedIds() throws Exception {
        String schema = PgTestSupport.newSchema("ids");
        try (PostgresEventLog log = PostgresEventLog.open(
                        PgTestSupport.options(schema).withPoolSize(2).withPartitions(2));
                EventStore store = EventStore.of(log)) {
            store.append("a-1", ExpectedVersion.NO_STREAM, EventData.of("Happened", "{}"));

            assertThat(store.read("a-1").events().getFirst().eventId().version())
                    .isEqualTo(7);
            assertThat(EventStore.builder(log)
                            .idSupplier(() -> new UUID(0x4000L, 0x8000_0000_0000_0001L))
                            .build()
                            .append("a-2", ExpectedVersion.NO_STREAM, EventData.of("Happened", "{}"))
                            .aggregateId())
                    .as("a store's own ids still win")
                    .isEqualTo("a-2");
            assertThat(store.read("a-2").events().getFirst().eventId())
                    .isEqualTo(new UUID(0x4000L, 0x8000_0000_0000_0001L));
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }
}
