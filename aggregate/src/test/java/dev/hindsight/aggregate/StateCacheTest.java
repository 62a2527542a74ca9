package dev.hindsight.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.aggregate.account.Account;
import dev.hindsight.aggregate.account.Account.Command;
import dev.hindsight.aggregate.account.Account.Event;
import dev.hindsight.aggregate.account.Account.State;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.ForwardingEventLog;
import dev.hindsight.testkit.clock.SteppingClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The repository's state cache: fast current loads that never serve a stale or wrong state. */
class StateCacheTest {
    private final EventStore store = EventStore.builder(new InMemoryEventLog())
            .clock(new SteppingClock())
            .build();

    private AggregateRepository<Command, State, Event> repo(int cached) {
        return AggregateRepository.builder(store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .snapshots(new InMemorySnapshotStore(5), SnapshotPolicy.everyNEvents(10))
                .cacheStates(cached)
                .build();
    }

    @Test
    void load_afterHandle_comesFromCacheWithoutReplay() {
        var repo = repo(100);
        repo.handle("acc-1", new Account.Open("ann"));
        repo.handle("acc-1", new Account.Deposit(70));
        Loaded<State> loaded = repo.load("acc-1");
        assertThat(loaded.state().balance()).isEqualTo(70);
        assertThat(loaded.version()).isEqualTo(2);
        assertThat(loaded.replayed()).isZero();
        assertThat(loaded.fromSnapshot()).isEqualTo(2);
        assertThat(loaded.position())
                .isEqualTo(store.read("acc-1").events().get(1).position());
        assertThat(loaded.timestamp())
                .isEqualTo(store.read("acc-1").events().get(1).timestamp());
        assertThat(repo.stats().cacheHits()).isGreaterThanOrEqualTo(2); // the second handle and the load
    }

    @Test
    void load_afterAnotherWriterAppended_appliesOnlyTheNewEvents() {
        var cached = repo(100);
        var other = repo(0);
        cached.handle("acc-1", new Account.Open("ann"));
        cached.handle("acc-1", new Account.Deposit(10));
        other.handle("acc-1", new Account.Deposit(5));
        other.handle("acc-1", new Account.Withdraw(3));
        Loaded<State> loaded = cached.load("acc-1");
        assertThat(loaded.state()).isEqualTo(other.load("acc-1").state());
        assertThat(loaded.state().balance()).isEqualTo(12);
        assertThat(loaded.version()).isEqualTo(4);
        assertThat(loaded.replayed()).isEqualTo(2);
        assertThat(cached.load("acc-1").replayed()).isZero();
    }

    @Test
    void handle_withStaleCache_retriesConflictAndDecidesOnFreshState() {
        var cached = repo(100);
        var other = repo(0);
        cached.handle("acc-1", new Account.Open("ann"));
        cached.handle("acc-1", new Account.Deposit(10));
        other.handle("acc-1", new Account.Withdraw(10));
        // decided on the cache alone, this would pass (balance 10); on the fresh state (balance 0) it is rejected
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cached.handle("acc-1", new Account.Withdraw(10)))
                .isInstanceOf(Account.Rejected.class);
        assertThat(store.read("acc-1").events()).hasSize(3);
    }

    @Test
    void handle_onCachedAggregate_appendsWithoutReadingTheStore() {
        var counting = new CountingLog(new InMemoryEventLog());
        var counted = EventStore.builder(counting).clock(new SteppingClock()).build();
        var repo = AggregateRepository.builder(
                        counted, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .cacheStates(100)
                .build();
        repo.handle("acc-1", new Account.Open("ann"));
        repo.handle("acc-1", new Account.Deposit(10));
        counting.reads.set(0);
        CommandResult<State, Event> r = repo.handle("acc-1", new Account.Deposit(5));
        assertThat(counting.reads.get()).isZero();
        assertThat(r.version()).isEqualTo(3);
        assertThat(r.state().balance()).isEqualTo(15);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.position()).isEqualTo(counted.read("acc-1").events().get(2).position());
    }

    @Test
    void handle_creatingCommandOnNewAggregate_appendsWithoutReading() {
        var counting = new CountingLog(new InMemoryEventLog());
        var counted = EventStore.builder(counting).clock(new SteppingClock()).build();
        var repo = AggregateRepository.builder(
                        counted, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .snapshots(new InMemorySnapshotStore(5), SnapshotPolicy.everyNEvents(10))
                .cacheStates(100)
                .build();
        CommandResult<State, Event> r = repo.handle("acc-1", new Account.Open("ann"));
        assertThat(counting.reads.get()).isZero();
        assertThat(r.version()).isEqualTo(1);
        assertThat(r.state().owner()).isEqualTo("ann");
    }

    @Test
    void handle_onUncachedExistingAggregate_loadsAndDecidesOnTheStoredState() {
        var cached = repo(100);
        var other = repo(0);
        other.handle("acc-1", new Account.Open("ann"));
        other.handle("acc-1", new Account.Deposit(4));
        // refused on the initial state (not open): loaded, then accepted
        assertThat(cached.handle("acc-1", new Account.Deposit(1)).state().balance())
                .isEqualTo(5);
        // accepted on the initial state, refused by the append (version 0 expected), then refused on the stored state
        // nothing to append on the initial state: answered from the load (no events, no position)
        CommandResult<State, Event> none = cached.handle("acc-3", new Account.Noop());
        assertThat(none.version()).isZero();
        assertThat(none.events()).isEmpty();
        other.handle("acc-2", new Account.Open("bob"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cached.handle("acc-2", new Account.Open("eve")))
                .isInstanceOf(Account.Rejected.class);
        assertThat(store.read("acc-2").events()).hasSize(1);
        assertThat(store.read("acc-1").events()).hasSize(3);
    }

    @Test
    void cachedState_isTheCachedStateWithoutRead_nullWhenNotCached() {
        var cached = repo(100);
        var other = repo(0);
        cached.handle("acc-1", new Account.Open("ann"));
        other.handle("acc-1", new Account.Deposit(10));
        assertThat(cached.cachedState("acc-1")).isEqualTo(new State(Account.Status.OPEN, "ann", 0, 0));
        assertThat(cached.cachedState("acc-2")).isNull();
        assertThat(other.cachedState("acc-1")).isNull();
    }

    @Test
    void handle_refusedOnStaleCache_isDecidedAgainOnTheStoredState() {
        var cached = repo(100);
        var other = repo(0);
        cached.handle("acc-1", new Account.Open("ann"));
        other.handle("acc-1", new Account.Deposit(10));
        // the cache says balance 0 (refused); the store says 10
        CommandResult<State, Event> r = cached.handle("acc-1", new Account.Withdraw(10));
        assertThat(r.version()).isEqualTo(3);
        assertThat(r.state().balance()).isZero();
        assertThat(cached.load("acc-1").state()).isEqualTo(other.load("acc-1").state());
    }

    @Test
    void handle_withExpectedVersionAndStaleCache_checksTheStoredVersion() {
        var cached = repo(100);
        var other = repo(0);
        cached.handle("acc-1", new Account.Open("ann"));
        other.handle("acc-1", new Account.Deposit(10)); // version 2; the cache still says 1
        CommandResult<State, Event> r = cached.handle("acc-1", new Account.Deposit(1), ExpectedVersion.exact(2), null);
        assertThat(r.version()).isEqualTo(3);
        assertThat(r.state().balance()).isEqualTo(11);
        other.handle("acc-1", new Account.Deposit(10)); // version 4; the cache says 3
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> cached.handle("acc-1", new Account.Deposit(1), ExpectedVersion.exact(3), null))
                .isInstanceOf(WrongExpectedVersionException.class);
        assertThat(store.read("acc-1").events()).hasSize(4);
    }

    @Test
    void snapshot_afterCommandWithMetadataTimestamp_isSavedWithoutReadingTheEvent() throws Exception {
        var counting = new CountingLog(new InMemoryEventLog());
        var counted = EventStore.builder(counting).clock(new SteppingClock()).build();
        var snapshots = new InMemorySnapshotStore(5);
        var repo = AggregateRepository.builder(
                        counted, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(2))
                .cacheStates(100)
                .build();
        repo.handle("acc-1", new Account.Open("ann"), null, "{\"timestamp\":\"2026-12-06T21:00:00.000001Z\"}");
        counting.reads.set(0);
        repo.handle("acc-1", new Account.Deposit(3), null, "{\"timestamp\":\"2026-12-06T21:00:01.123456Z\"}");
        repo.awaitSnapshots();
        assertThat(counting.reads.get()).isZero();
        var saved = snapshots.latest("acc-1", Long.MAX_VALUE, null);
        assertThat(saved).isNotNull();
        assertThat(saved.version()).isEqualTo(2);
        assertThat(saved.timestamp())
                .isEqualTo(counted.read("acc-1").events().get(1).timestamp());
        assertThat(saved.timestamp()).isEqualTo(java.time.Instant.parse("2026-12-06T21:00:01.123456Z"));
    }

    @Test
    void snapshot_afterCommandWithoutMetadataTimestamp_readsTheStoredTimestamp() throws Exception {
        var snapshots = new InMemorySnapshotStore(5);
        var repo = AggregateRepository.builder(store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(2))
                .cacheStates(100)
                .build();
        repo.handle("acc-1", new Account.Open("ann"));
        repo.handle("acc-1", new Account.Deposit(3));
        repo.awaitSnapshots();
        var saved = snapshots.latest("acc-1", Long.MAX_VALUE, null);
        assertThat(saved).isNotNull();
        assertThat(saved.timestamp())
                .isEqualTo(store.read("acc-1").events().get(1).timestamp());
    }

    /** A log that counts the aggregate reads and version lookups it forwards. */
    private static final class CountingLog extends ForwardingEventLog {
        final AtomicInteger reads = new AtomicInteger();

        CountingLog(EventLog log) {
            super(log);
        }

        @Override
        public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection d) {
            reads.incrementAndGet();
            return super.readAggregate(aggregateId, fromVersion, limit, d);
        }

        @Override
        public long aggregateVersion(String aggregateId) {
            reads.incrementAndGet();
            return super.aggregateVersion(aggregateId);
        }
    }

    @Test
    void cache_isBounded() {
        var repo = repo(32);
        for (int i = 0; i < 500; i++) {
            repo.handle("acc-" + i, new Account.Open("u" + i));
        }
        for (int i = 0; i < 500; i++) {
            assertThat(repo.load("acc-" + i).version()).isEqualTo(1);
        }
        StateCache<String> cache = new StateCache<>(32);
        for (int i = 0; i < 500; i++) {
            cache.put("a" + i, "s", 1);
        }
        assertThat(cache.size()).isLessThanOrEqualTo(32 + 16);
    }

    @Test
    void put_neverReplacesNewerVersionWithOlder() {
        StateCache<String> cache = new StateCache<>(10);
        cache.put("a", "v5", 5);
        cache.put("a", "v3", 3);
        assertThat(cache.get("a")).isEqualTo(new StateCache.Entry<>("v5", 5L));
    }

    @Test
    void concurrentCommandsFromCachedAndUncachedRepositories_matchFullReplay() throws Exception {
        var cached = repo(4); // small: evictions happen during the run
        var plain = repo(0);
        for (int a = 0; a < 8; a++) {
            plain.handle("acc-" + a, new Account.Open("u" + a));
        }
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            var r = t % 2 == 0 ? cached : plain;
            Random rnd = new Random(t);
            all.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        String id = "acc-" + rnd.nextInt(8);
                        r.handle(id, new Account.Deposit(1 + rnd.nextInt(9)));
                        if (rnd.nextInt(4) == 0) {
                            r.load(id);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        start.countDown();
        for (Thread t : all) {
            t.join();
        }
        var fresh = AggregateRepository.builder(store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .build();
        long total = 0;
        for (int a = 0; a < 8; a++) {
            Loaded<State> full = fresh.load("acc-" + a);
            assertThat(cached.load("acc-" + a).state()).isEqualTo(full.state());
            assertThat(cached.load("acc-" + a).version()).isEqualTo(full.version());
            total += full.version() - 1;
        }
        assertThat(total).isEqualTo(threads * 200L);
        assertThat(cached.stats().cacheHits()).isPositive();
    }
}
