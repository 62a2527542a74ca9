package dev.hindsight.store.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The id tables against a {@link HashMap} model, across incremental growth (seeded). */
class UuidIndexTest {

    @Test
    void putAndGet_acrossSeveralGrowths_matchesModel() {
        SplittableRandom random = new SplittableRandom(7);
        UuidIndex index = new UuidIndex();
        Map<UUID, Long> model = new HashMap<>();
        List<UUID> ids = new ArrayList<>();
        boolean sawMigration = false;
        for (long p = 1; p <= 600_000; p++) {
            UUID id = new UUID(random.nextLong(), random.nextLong());
            index.put(id, p);
            model.put(id, p);
            ids.add(id);
            sawMigration |= index.migrating();
            if (p % 997 == 0) {
                // lookups while a migration runs: old, recent and absent ids
                UUID old = ids.get(random.nextInt(ids.size()));
                assertThat(index.get(old)).isEqualTo(model.get(old));
                assertThat(index.get(new UUID(random.nextLong(), random.nextLong())))
                        .isZero();
            }
        }
        assertThat(sawMigration).isTrue();
        assertThat(index.size()).isEqualTo(model.size());
        for (UUID id : ids) {
            assertThat(index.get(id)).isEqualTo(model.get(id));
        }
    }

    @Test
    void put_sameIdAgainDuringMigration_newerPositionWins() {
        UuidIndex index = new UuidIndex();
        List<UUID> ids = new ArrayList<>();
        long p = 1;
        while (!index.migrating()) {
            UUID id = new UUID(p, p * 31);
            ids.add(id);
            index.put(id, p++);
        }
        UUID again = ids.get(ids.size() / 3); // still in the old table
        index.put(again, 999_999_999L);
        while (index.migrating()) {
            index.put(new UUID(p, p * 31), p++);
        }
        assertThat(index.get(again)).isEqualTo(999_999_999L);
        assertThat(index.size()).isEqualTo((int) (p - 1));
    }

    @Test
    void stagedIds_clearAndGrow_matchModel() {
        SplittableRandom random = new SplittableRandom(11);
        StagedIds staged = new StagedIds();
        for (int batch = 0; batch < 50; batch++) {
            int n = random.nextInt(batch % 10 == 0 ? 20_000 : 200);
            Map<UUID, Long> model = new HashMap<>();
            for (int i = 1; i <= n; i++) {
                UUID id = new UUID(random.nextLong(), random.nextLong());
                staged.put(id, i);
                model.put(id, (long) i);
            }
            model.forEach((id, pos) -> assertThat(staged.get(id)).isEqualTo(pos));
            assertThat(staged.get(new UUID(random.nextLong(), random.nextLong())))
                    .isZero();
            staged.clear();
            model.keySet().forEach(id -> assertThat(staged.get(id)).isZero());
        }
    }
}
