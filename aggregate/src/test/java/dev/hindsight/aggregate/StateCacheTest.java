package dev.hindsight.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.aggregate.account.Account;
import dev.hindsight.aggregate.account.Account.Command;
import dev.hindsight.aggregate.account.Account.Event;
import dev.hindsight.aggregate.account.Account.State;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.testkit.clock.SteppingClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
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
