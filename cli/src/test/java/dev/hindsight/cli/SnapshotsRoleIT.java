package dev.hindsight.cli;

import static dev.hindsight.cli.CliRun.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.orders.OrderService;
import dev.hindsight.orders.OrderSnapshotService;
import dev.hindsight.store.postgres.PostgresCheckpointStore;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.PostgresSnapshotStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --role snapshots} as its own process beside {@code --role api} over PostgreSQL: the api writes no
 * snapshots; the snapshot service writes them by the order policy, each equal to the state replayed from the log at its
 * version; killed with {@code kill -9} mid-way and restarted, it resumes from its checkpoint and misses none.
 */
class SnapshotsRoleIT {
    @TempDir
    Path dir;

    private PostgresRoles roles;

    @BeforeEach
    void start() {
        roles = new PostgresRoles("t_snaps_", dir);
    }

    @AfterEach
    void stop() throws Exception {
        roles.close();
    }

    /** An order through created, paid, shipped, delivered: the policy wants snapshots at versions 2, 3 and 4. */
    private static String deliveredOrder(String api, int i) throws IOException {
        String id = CliRun.createOrder(api, "u" + i, "lamp:1:30.00");
        json(CliRun.of("orders", "pay", id, "--payment-id", "pay_" + i, "--amount", "30.00", "--url", api));
        json(CliRun.of("orders", "ship", id, "--carrier", "UPS", "--tracking", "1Z" + i, "--url", api));
        json(CliRun.of("orders", "deliver", id, "--url", api));
        return id;
    }

    @Test
    void snapshotsRole_writesPolicySnapshotsEqualToReplay_resumesAfterKill9() throws Exception {
        PostgresOptions options = PostgresOptions.defaults(PgTestDb.URL)
                .withCredentials(PgTestDb.USER, PgTestDb.PASSWORD)
                .withSchema(roles.schema());
        String api = roles.serve("api").url();
        List<String> ids = new ArrayList<>();
        ids.add(deliveredOrder(api, 0));
        try (PostgresEventLog log = PostgresEventLog.open(options);
                PostgresSnapshotStore snapshots =
                        PostgresSnapshotStore.open(log.dataSource(), options, SnapshotRetention.DEFAULT);
                PostgresCheckpointStore checkpoints = PostgresCheckpointStore.open(log.dataSource(), options)) {
            assertThat(snapshots.snapshots(ids.getFirst()))
                    .as("the api role writes no snapshots")
                    .isEmpty();

            RoleProcess service = roles.serve("snapshots");
            assertThat(HttpGet.json(service.url() + "/health").get("role").asText())
                    .isEqualTo("snapshots");
            for (int i = 1; i < 4; i++) {
                ids.add(deliveredOrder(api, i));
            }
            service.kill(); // kill -9, possibly mid-batch
            for (int i = 4; i < 8; i++) {
                ids.add(deliveredOrder(api, i));
            }
            roles.serve("snapshots");

            EventStore store = EventStore.of(log);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!checkpoints
                    .load(OrderSnapshotService.CHECKPOINT)
                    .map(p -> p.covers(store.head()))
                    .orElse(false)) {
                assertThat(System.nanoTime()).as("snapshot service caught up").isLessThan(deadline);
                Thread.sleep(100);
            }
            OrderService replay = new OrderService(store, null, Clock.systemUTC());
            for (String id : ids) {
                List<Snapshot> kept = snapshots.snapshots(id);
                assertThat(kept).as("snapshots of %s", id).isNotEmpty();
                assertThat(kept.stream().mapToLong(Snapshot::version).max().orElse(0))
                        .as("the snapshot after Delivered of %s", id)
                        .isEqualTo(4);
                for (Snapshot s : kept) {
                    String replayed = OrderService.STATE_CODEC.write(
                            replay.loadAtVersion(id, s.version()).state());
                    assertThat(Json.mapper().readTree(s.state()))
                            .as("snapshot of %s at %d", id, s.version())
                            .isEqualTo(Json.mapper().readTree(replayed));
                }
            }
        }
    }
}
