package dev.hindsight.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.aggregate.account.Account;
import dev.hindsight.aggregate.account.Account.Command;
import dev.hindsight.aggregate.account.Account.State;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.file.FileSnapshotStore;
import dev.hindsight.store.file.FsyncPolicy;
import dev.hindsight.testkit.clock.SteppingClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model check with fixed seeds: for random command sequences and snapshot policies, loading through any snapshot plus
 * replay gives exactly the state of a full replay, at every version and at every instant.
 */
class StateReconstructionPropertyTest {
    @TempDir
    Path dir;

    @Test
    void load_viaSnapshotsAndReplay_equalsFullReplayAtEveryVersionAndInstant() throws Exception {
        for (long seed = 1; seed <= 12; seed++) {
            check(seed);
        }
    }

    private void check(long seed) throws Exception {
        Random random = new Random(seed);
        Path d = dir.resolve("seed-" + seed);
        SnapshotPolicy policy = switch (random.nextInt(3)) {
            case 0 -> SnapshotPolicy.everyNEvents(1 + random.nextInt(10));
            case 1 -> SnapshotPolicy.onEventTypes(Set.of("AccountWithdrawn", "AccountCorrected"));
            default -> SnapshotPolicy.everyNEvents(7).or(SnapshotPolicy.onEventTypes(Set.of("AccountOpened")));
        };
        try (FileEventLog log = FileEventLog.open(
                        FileLogOptions.defaults(d.resolve("log")).withFsync(FsyncPolicy.NEVER));
                FileSnapshotStore snaps = FileSnapshotStore.open(d.resolve("snapshots"), 1 + random.nextInt(4))) {
            EventStore store =
                    EventStore.builder(log).clock(new SteppingClock()).build();
            var repo = AggregateRepository.builder(
                            store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                    .snapshots(snaps, policy)
                    .build();
            String id = "acc-" + seed;
            repo.handle(id, new Account.Open("owner-" + seed));
            int commands = 20 + random.nextInt(120);
            for (int i = 0; i < commands; i++) {
                Command c = switch (random.nextInt(4)) {
                    case 0, 1 -> new Account.Deposit(1 + random.nextInt(100));
                    case 2 -> new Account.Withdraw(1 + random.nextInt(60));
                    default -> new Account.Correct(1 + random.nextInt(i + 1), random.nextInt(21) - 10, "fix");
                };
                try {
                    repo.handle(id, c);
                } catch (Account.Rejected rejected) {
                    // insufficient funds: part of the model, nothing appended
                }
            }
            repo.awaitSnapshots();
            List<RecordedEvent> events = store.read(id).events();
            List<State> truth = new ArrayList<>();
            State s = Account.DECIDER.initialState();
            truth.add(s);
            for (RecordedEvent e : events) {
                s = Account.DECIDER.evolve(s, Account.REGISTRY.fromRecorded(e));
                truth.add(s);
            }
            var reader = AggregateRepository.builder(
                            store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                    .snapshots(snaps, policy)
                    .build();
            long fromSnapshots = 0;
            for (int v = 0; v <= events.size(); v++) {
                Loaded<State> atVersion = reader.loadAtVersion(id, v);
                assertThat(atVersion.state()).as("seed %d version %d", seed, v).isEqualTo(truth.get(v));
                assertThat(atVersion.version()).isEqualTo(v);
                fromSnapshots += atVersion.fromSnapshot() > 0 ? 1 : 0;
                if (v > 0) {
                    Instant ts = events.get(v - 1).timestamp();
                    assertThat(reader.loadAsOf(id, ts).state())
                            .as("seed %d as of event %d", seed, v)
                            .isEqualTo(truth.get(v));
                    assertThat(reader.loadAsOf(id, ts.plusMillis(500)).version())
                            .isEqualTo(v);
                }
            }
            assertThat(reader.loadAsOf(id, SteppingClock.START.minusSeconds(1)).version())
                    .isZero();
            assertThat(reader.load(id).state()).isEqualTo(truth.getLast());
            assertThat(fromSnapshots)
                    .as("seed %d: some loads used a snapshot", seed)
                    .isPositive();
            assertThat(reader.stats().snapshotMismatches()).isZero();
        }
    }
}
