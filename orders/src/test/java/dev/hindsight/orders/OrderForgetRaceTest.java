package dev.hindsight.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.privacy.InMemorySubjectKeyStore;
import dev.hindsight.core.privacy.MasterKey;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.core.privacy.SubjectKey;
import dev.hindsight.core.privacy.SubjectKeyStore;
import dev.hindsight.orders.command.CancelOrder;
import dev.hindsight.orders.command.CreateOrder;
import dev.hindsight.testkit.clock.SettableClock;
import java.time.Instant;
import java.util.Base64;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A command that read its order's customer from a cached, decrypted state just before that customer is forgotten and
 * appends just after: its personal fields must be stored as {@value Shredder#ERASED}, not under a new key for the
 * forgotten customer (which would make them readable again). The forget is placed in that window by a key store that
 * runs it when the append asks for the customer's key.
 */
class OrderForgetRaceTest {
    private static final MasterKey MASTER =
            MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
    private static final OrderService.Caller CALLER = new OrderService.Caller("clerk-7", "req-1");
    private static final List<LineItem> ITEMS = List.of(new LineItem("a", 1, 1_000));

    /** Runs a hook, once, when a key is next looked up for creation (before the lookup). */
    private static final class HookedKeys implements SubjectKeyStore {
        private final InMemorySubjectKeyStore keys = new InMemorySubjectKeyStore();
        private final AtomicReference<@Nullable Runnable> beforeNextGetOrCreate = new AtomicReference<>();

        @Override
        public SubjectKey getOrCreate(String subjectRef, Supplier<SubjectKey> create) {
            Runnable hook = beforeNextGetOrCreate.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            return keys.getOrCreate(subjectRef, create);
        }

        @Override
        public Optional<SubjectKey> bySubject(String subjectRef) {
            return keys.bySubject(subjectRef);
        }

        @Override
        public Optional<SubjectKey> anyKey() {
            return keys.anyKey();
        }

        @Override
        public Optional<SubjectKey> byKeyId(String keyId) {
            return keys.byKeyId(keyId);
        }

        @Override
        public Optional<String> delete(String subjectRef) {
            return keys.delete(subjectRef);
        }

        @Override
        public void replaceAll(UnaryOperator<List<SubjectKey>> replace) {
            keys.replaceAll(replace);
        }
    }

    @Test
    void forget_betweenTheCommandsLoadAndItsAppend_notesStoredErasedAndNoNewKey() throws Exception {
        HookedKeys keys = new HookedKeys();
        Shredder shredder = new Shredder(MASTER, keys, OrderPrivacy.PERSONAL);
        InMemoryEventLog log = new InMemoryEventLog();
        EventStore store = EventStore.builder(log).shredder(shredder).build();
        OrderService service = new OrderService(store, null, new SettableClock(Instant.parse("2026-05-01T10:00:00Z")));
        service.handle(
                "o1", at -> new CreateOrder("o1", "alice-42", ITEMS, Currency.getInstance("EUR"), at), null, CALLER);
        assertThat(service.load("o1").state().userId()).isEqualTo("alice-42"); // cached, decrypted
        shredder.dropCachedKeys(); // the shredder's one-second key cache has run out

        // the forget (on another thread, as a DELETE /api/subjects request) lands after the command has taken the
        // customer from the cached state and before its append encrypts: the server's forget listener clears states
        keys.beforeNextGetOrCreate.set(() -> {
            Thread forget = Thread.ofPlatform().start(() -> {
                shredder.forget("alice-42");
                service.clearCachedStates();
            });
            try {
                forget.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        service.handle("o1", at -> new CancelOrder("call me at 555-0103", at), null, CALLER);
        assertThat(keys.beforeNextGetOrCreate.get()).as("the forget ran").isNull();

        assertThat(shredder.hasKey("alice-42"))
                .as("the forgotten customer got a new key")
                .isFalse();
        String stored = log.readAll(dev.hindsight.core.Position.START, 10, dev.hindsight.core.EventFilter.ALL)
                .events()
                .toString();
        assertThat(stored).doesNotContain("555-0103", "alice-42", "clerk-7");
        RecordedEvent cancelled = store.read("o1").events().getLast();
        assertThat(Json.parseObject(cancelled.eventData(), "data")
                        .path("reason")
                        .asText())
                .isEqualTo(Shredder.ERASED);
        assertThat(service.load("o1").state().cancelReason()).isEqualTo(Shredder.ERASED);
        assertThat(service.load("o1").state().userId()).isEqualTo(Shredder.ERASED);
    }
    /**
     * Without a race too: a note on an order of a customer forgotten earlier is stored as {@value Shredder#ERASED}, and
     * the order's state must not serve it from the cache either (before: the state cached after the append held it).
     */
    @Test
    void commandOnAForgottenCustomersOrder_stateServesNoteErased() {
        Shredder shredder = new Shredder(MASTER, new InMemorySubjectKeyStore(), OrderPrivacy.PERSONAL);
        EventStore store =
                EventStore.builder(new InMemoryEventLog()).shredder(shredder).build();
        OrderService service = new OrderService(store, null, new SettableClock(Instant.parse("2026-05-01T10:00:00Z")));
        service.handle(
                "o2", at -> new CreateOrder("o2", "bob-7", ITEMS, Currency.getInstance("EUR"), at), null, CALLER);
        shredder.forget("bob-7");
        service.clearCachedStates(); // what the order system's forget listener does

        var result = service.handle("o2", at -> new CancelOrder("call me at 555-0104", at), null, CALLER);
        assertThat(result.events()).hasSize(1);
        assertThat(service.load("o2").state().cancelReason()).isEqualTo(Shredder.ERASED);
        assertThat(service.recentState("o2").cancelReason()).isEqualTo(Shredder.ERASED);
    }
}
