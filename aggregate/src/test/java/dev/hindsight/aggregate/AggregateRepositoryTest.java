package dev.hindsight.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.aggregate.account.Account;
import dev.hindsight.aggregate.account.Account.Command;
import dev.hindsight.aggregate.account.Account.Event;
import dev.hindsight.aggregate.account.Account.State;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotStore;
import dev.hindsight.testkit.clock.SteppingClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AggregateRepositoryTest {
    private final EventStore store = EventStore.builder(new InMemoryEventLog())
            .clock(new SteppingClock())
            .build();
    private final InMemorySnapshotStore snapshots = new InMemorySnapshotStore(5);

    private AggregateRepository<Command, State, Event> repo(SnapshotStore snaps, SnapshotPolicy policy, int stateV) {
        return AggregateRepository.builder(store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, stateV))
                .snapshots(snaps, policy)
                .build();
    }

    @Test
    void handle_commands_appendsEventsAndReturnsNewState() {
        var repo = repo(snapshots, SnapshotPolicy.never(), 1);
        repo.handle("acc-1", new Account.Open("ann"));
        CommandResult<State, Event> r = repo.handle("acc-1", new Account.Deposit(500));
        assertThat(r.state().balance()).isEqualTo(500);
        assertThat(r.version()).isEqualTo(2);
        assertThat(r.position()).isEqualTo(Position.of(2));
        assertThat(r.events()).containsExactly(new Account.Deposited(500));
        assertThat(store.read("acc-1").events())
                .extracting(e -> e.eventType())
                .containsExactly("AccountOpened", "AccountDeposited");
        assertThat(store.read("acc-1").events().get(1).schemaVersion()).isEqualTo(2);
    }

    @Test
    void handle_commandProducingNoEvents_appendsNothing() {
        var repo = repo(snapshots, SnapshotPolicy.never(), 1);
        repo.handle("acc-1", new Account.Open("ann"));
        CommandResult<State, Event> r = repo.handle("acc-1", new Account.Noop());
        assertThat(r.events()).isEmpty();
        assertThat(r.version()).isEqualTo(1);
        assertThat(store.head()).isEqualTo(Position.of(1));
    }

    @Test
    void handle_rejectedCommand_throwsAndAppendsNothing() {
        var repo = repo(snapshots, SnapshotPolicy.never(), 1);
        repo.handle("acc-1", new Account.Open("ann"));
        assertThatThrownBy(() -> repo.handle("acc-1", new Account.Withdraw(1))).isInstanceOf(Account.Rejected.class);
        assertThat(store.head()).isEqualTo(Position.of(1));
    }

    @Test
    void handle_withStaleExpectedVersion_throwsWithoutRetry() {
        var repo = repo(snapshots, SnapshotPolicy.never(), 1);
        repo.handle("acc-1", new Account.Open("ann"));
        assertThatThrownBy(() -> repo.handle("acc-1", new Account.Deposit(1), ExpectedVersion.exact(0), null))
                .isInstanceOf(WrongExpectedVersionException.class);
        assertThat(repo.stats().conflictRetries()).isZero();
    }

    @Test
    void load_afterSnapshots_startsFromLatestSnapshotAndEqualsFullReplay() throws Exception {
        var repo = repo(snapshots, SnapshotPolicy.everyNEvents(10), 1);
        repo.handle("acc-1", new Account.Open("ann"));
        for (int i = 1; i <= 34; i++) {
            repo.handle("acc-1", new Account.Deposit(i));
        }
        repo.awaitSnapshots();
        assertThat(snapshots.snapshots("acc-1")).extracting(Snapshot::version).containsExactly(30L, 20L, 10L);
        var fresh = repo(snapshots, SnapshotPolicy.everyNEvents(10), 1);
        Loaded<State> loaded = fresh.load("acc-1");
        assertThat(loaded.fromSnapshot()).isEqualTo(30);
        assertThat(loaded.replayed()).isEqualTo(5);
        Loaded<State> full = repo(null, SnapshotPolicy.never(), 1).load("acc-1");
        assertThat(full.fromSnapshot()).isZero();
        assertThat(loaded.state()).isEqualTo(full.state());
        assertThat(loaded.state().balance()).isEqualTo(34 * 35 / 2);
    }

    @Test
    void load_snapshotOfOtherStateSchema_isIgnoredCountedAndRebuiltFromEvents() throws Exception {
        var v1 = repo(snapshots, SnapshotPolicy.everyNEvents(5), 1);
        v1.handle("acc-1", new Account.Open("ann"));
        for (int i = 0; i < 9; i++) {
            v1.handle("acc-1", new Account.Deposit(10));
        }
        v1.awaitSnapshots();
        // A snapshot in a shape the running code cannot read: it must never be deserialized.
        snapshots.save(new Snapshot(
                "acc-1",
                10,
                store.read("acc-1").events().getLast().timestamp(),
                State.class.getName() + "@1",
                "{\"not\":\"a state\"}"));
        var v2 = repo(snapshots, SnapshotPolicy.everyNEvents(5), 2);
        Loaded<State> loaded = v2.load("acc-1");
        assertThat(loaded.fromSnapshot()).isZero();
        assertThat(loaded.state().balance()).isEqualTo(90);
        assertThat(v2.stats().snapshotMismatches()).isEqualTo(2);
    }

    /**
     * close() gives a background snapshot write that hangs (a database that stopped answering) a bounded grace, then
     * interrupts it and returns (it waited for good: ExecutorService.close() on the writer).
     */
    @Test
    void close_snapshotWriteHanging_returnsAfterTheGraceAndInterruptsTheWrite() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        SnapshotStore hanging = new SnapshotStore() {
            @Override
            public void save(Snapshot snapshot) {
                writing.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw new StoreUnavailableException("interrupted", e);
                }
            }

            @Override
            public List<Snapshot> snapshots(String aggregateId) {
                return List.of();
            }

            @Override
            public void close() {}
        };
        var repo = AggregateRepository.builder(store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .snapshots(hanging, SnapshotPolicy.everyNEvents(1))
                .closeGrace(Duration.ofMillis(200))
                .build();
        repo.handle("acc-1", new Account.Open("ann"));
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        repo.handle("acc-1", new Account.Deposit(5)); // queued behind the hanging write

        Thread closer = Thread.ofPlatform().start(repo::close);
        closer.join(Duration.ofSeconds(10));
        boolean returned = !closer.isAlive();
        never.countDown(); // let a still-hanging close end
        assertThat(returned).isTrue();
        assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void handle_snapshotStoreFailing_commandSucceedsAndFailureIsCounted() throws Exception {
        SnapshotStore broken = new SnapshotStore() {
            @Override
            public void save(Snapshot snapshot) {
                throw new StoreUnavailableException("disk full");
            }

            @Override
            public List<Snapshot> snapshots(String aggregateId) {
                return List.of();
            }

            @Override
            public void close() {}
        };
        var repo = repo(broken, SnapshotPolicy.everyNEvents(1), 1);
        repo.handle("acc-1", new Account.Open("ann"));
        CommandResult<State, Event> r = repo.handle("acc-1", new Account.Deposit(5));
        assertThat(r.state().balance()).isEqualTo(5);
        repo.awaitSnapshots();
        assertThat(repo.stats().snapshotFailures()).isEqualTo(2);
        assertThat(repo.stats().snapshotsWritten()).isZero();
    }

    @Test
    void handle_sixteenConcurrentSendersOnOneAggregate_losesNoCommand() throws Exception {
        // deciding takes a millisecond, so senders that loaded the same version really race to append it
        Decider<Command, State, Event> slow = new Decider<>() {
            @Override
            public State initialState() {
                return Account.DECIDER.initialState();
            }

            @Override
            public List<Event> decide(Command command, State state) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Account.DECIDER.decide(command, state);
            }

            @Override
            public State evolve(State state, Event event) {
                return Account.DECIDER.evolve(state, event);
            }
        };
        var repo = AggregateRepository.builder(store, slow, Account.REGISTRY, StateCodec.of(State.class, 1))
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(10))
                .maxRetries(1000)
                .build();
        repo.handle("acc-1", new Account.Open("ann"));
        int senders = 16;
        int perSender = 25;
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong attempts = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perSender; i++) {
                        attempts.addAndGet(
                                repo.handle("acc-1", new Account.Deposit(1)).attempts());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        Loaded<State> loaded = repo.load("acc-1");
        assertThat(loaded.state().balance()).isEqualTo(senders * perSender);
        assertThat(loaded.version()).isEqualTo(1 + senders * perSender);
        assertThat(attempts.get()).isGreaterThan(senders * perSender);
        assertThat(repo.stats().conflictRetries()).isEqualTo(attempts.get() - senders * perSender);
    }

    @Test
    void correction_changesDerivedStateWhileTheOriginalEventStays() {
        var repo = repo(snapshots, SnapshotPolicy.never(), 1);
        repo.handle("acc-1", new Account.Open("ann"));
        repo.handle("acc-1", new Account.Deposit(500));
        // The deposit was really 50: record a correction instead of editing event 2.
        CommandResult<State, Event> r = repo.handle("acc-1", new Account.Correct(2, -450, "typo at the counter"));
        assertThat(r.state().balance()).isEqualTo(50);
        assertThat(store.read("acc-1").events().get(1).eventData()).isEqualTo("{\"amount\":500}");
        assertThat(store.read("acc-1").events().get(2).eventType()).isEqualTo("AccountCorrected");
        assertThat(repo.loadAtVersion("acc-1", 2).state().balance()).isEqualTo(500);
    }
}
