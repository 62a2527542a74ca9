package dev.hindsight.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.core.spi.SnapshotStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShreddingSnapshotStoreTest {
    private static final MasterKey MASTER =
            MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));

    @Test
    void save_statesPersonalFields_storedEncryptedLoadedDecryptedThenErased() {
        InMemorySnapshotStore inner = new InMemorySnapshotStore(SnapshotRetention.DEFAULT);
        Shredder shredder = new Shredder(MASTER, new InMemorySubjectKeyStore(), PersonalData.NONE);
        ShreddingSnapshotStore store =
                new ShreddingSnapshotStore(inner, shredder, "user_id", Set.of("user_id", "cancel_reason"));
        String state =
                "{\"user_id\":\"erin\",\"cancel_reason\":\"moving abroad\",\"total\":4200,\"status\":\"cancelled\"}";
        store.save(new Snapshot("ord_9", 3, Instant.parse("2026-01-01T00:00:00Z"), "s1", state));

        String stored = inner.latest("ord_9", Long.MAX_VALUE, null).state();
        assertThat(stored).doesNotContain("erin", "moving abroad").contains("enc:v1:", "4200");
        assertThat(store.latest("ord_9", Long.MAX_VALUE, null).state()).isEqualTo(state);

        shredder.forget("erin");
        String after = store.snapshots("ord_9").getFirst().state();
        assertThat(after)
                .contains("\"user_id\":\"[erased]\"", "\"cancel_reason\":\"[erased]\"", "4200", "cancelled")
                .doesNotContain("erin");
    }

    @Test
    void save_stateOfAnErasedSubject_storedAsIs() {
        InMemorySnapshotStore inner = new InMemorySnapshotStore(SnapshotRetention.DEFAULT);
        Shredder shredder = new Shredder(MASTER, new InMemorySubjectKeyStore(), PersonalData.NONE);
        ShreddingSnapshotStore store = new ShreddingSnapshotStore(inner, shredder, "user_id", Set.of("user_id"));
        String state = "{\"user_id\":\"[erased]\",\"total\":1}";
        store.save(new Snapshot("ord_1", 1, Instant.parse("2026-01-01T00:00:00Z"), "s1", state));
        assertThat(inner.snapshots("ord_1").getFirst().state()).isEqualTo(state);
    }

    @Test
    void saveAll_protectsEachStateAsSaveDoes_andHandsThemOverInOneCall() {
        InMemorySnapshotStore memory = new InMemorySnapshotStore(SnapshotRetention.DEFAULT);
        List<List<Snapshot>> calls = new ArrayList<>();
        SnapshotStore inner = new SnapshotStore() {
            @Override
            public void save(Snapshot s) {
                saveAll(List.of(s));
            }

            @Override
            public void saveAll(List<Snapshot> snapshots) {
                calls.add(snapshots);
                snapshots.forEach(memory::save);
            }

            @Override
            public List<Snapshot> snapshots(String aggregateId) {
                return memory.snapshots(aggregateId);
            }

            @Override
            public void close() {}
        };
        Shredder shredder = new Shredder(MASTER, new InMemorySubjectKeyStore(), PersonalData.NONE);
        ShreddingSnapshotStore store = new ShreddingSnapshotStore(inner, shredder, "user_id", Set.of("user_id"));
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        String erin = "{\"user_id\":\"erin\",\"total\":1}";
        String erased = "{\"user_id\":\"[erased]\",\"total\":2}";

        store.saveAll(List.of(new Snapshot("ord_1", 1, t, "s1", erin), new Snapshot("ord_2", 1, t, "s1", erased)));

        assertThat(calls).hasSize(1);
        assertThat(memory.snapshots("ord_1").getFirst().state())
                .doesNotContain("erin")
                .contains("enc:v1:");
        assertThat(memory.snapshots("ord_2").getFirst().state()).isEqualTo(erased);
        assertThat(store.snapshots("ord_1").getFirst().state()).isEqualTo(erin);
    }
}
