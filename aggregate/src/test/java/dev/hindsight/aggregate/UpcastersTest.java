package dev.hindsight.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.aggregate.account.Account;
import dev.hindsight.aggregate.account.Account.State;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UpcastersTest {
    private static final Upcaster AMT_TO_AMOUNT = Upcaster.of("AccountDeposited", 1, d -> {
        d.set("amount", d.remove("amt"));
        return d;
    });

    private static RecordedEvent stored(String type, int schema, String data) {
        return new RecordedEvent(
                UUID.randomUUID(), "acc-1", type, schema, data, "{}", 1, Position.of(1), Instant.EPOCH, Instant.EPOCH);
    }

    private static Upcaster custom(
            EventKey from, List<EventKey> to, java.util.function.Function<ObjectNode, List<Upcaster.Upcast>> f) {
        return new Upcaster() {
            @Override
            public EventKey from() {
                return from;
            }

            @Override
            public List<EventKey> to() {
                return to;
            }

            @Override
            public List<Upcast> upcast(ObjectNode data) {
                return f.apply(data);
            }
        };
    }

    @Test
    void upcast_chainOfTwo_composesToTheNewestShape() {
        Upcaster v2to3 = Upcaster.of("T", 2, d -> d.put("c", d.get("b").asInt() * 2));
        Upcaster v1to2 = Upcaster.of("T", 1, d -> d.put("b", d.get("a").asInt() + 1));
        Upcasters chain = Upcasters.of(List.of(v2to3, v1to2));
        List<RecordedEvent> out = chain.upcast(stored("T", 1, "{\"a\":1}"));
        assertThat(out).singleElement().satisfies(e -> {
            assertThat(e.schemaVersion()).isEqualTo(3);
            assertThat(Json.parseObject(e.eventData(), "d").get("c").asInt()).isEqualTo(4);
        });
        assertThat(chain.upcast(stored("T", 2, "{\"b\":5}")).getFirst().eventData())
                .isEqualTo("{\"b\":5,\"c\":10}");
    }

    @Test
    void upcast_eventWithoutUpcaster_isReturnedAsIs() {
        Upcasters chain = Upcasters.of(List.of(AMT_TO_AMOUNT));
        RecordedEvent e = stored("AccountOpened", 1, "{\"owner\":\"x\"}");
        assertThat(chain.upcast(e)).containsExactly(e);
    }

    @Test
    void upcast_renameAndSplit_producesSeveralEventsWithStableIds() {
        EventKey from = new EventKey("OrderPlacedAndPaid", 1);
        EventKey placed = new EventKey("OrderPlaced", 1);
        EventKey paid = new EventKey("OrderPaid", 1);
        Upcasters chain = Upcasters.of(List.of(custom(
                from,
                List.of(placed, paid),
                d -> List.of(
                        new Upcaster.Upcast(
                                placed,
                                Json.mapper()
                                        .createObjectNode()
                                        .put("total", d.get("total").asInt())),
                        new Upcaster.Upcast(
                                paid,
                                Json.mapper()
                                        .createObjectNode()
                                        .put("paid", d.get("total").asInt()))))));
        RecordedEvent original = stored("OrderPlacedAndPaid", 1, "{\"total\":7}");
        List<RecordedEvent> out = chain.upcast(original);
        assertThat(out).extracting(RecordedEvent::eventType).containsExactly("OrderPlaced", "OrderPaid");
        assertThat(out.get(0).eventId()).isEqualTo(original.eventId());
        assertThat(out.get(1).eventId())
                .isNotEqualTo(original.eventId())
                .isEqualTo(chain.upcast(original).get(1).eventId());
        assertThat(out).allSatisfy(e -> assertThat(e.version()).isEqualTo(original.version()));
    }

    @Test
    void register_gap_isRejected() {
        assertThatThrownBy(() -> Upcasters.of(List.of(Upcaster.of("T", 1, d -> d), Upcaster.of("T", 3, d -> d))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gap")
                .hasMessageContaining("v2");
    }

    @Test
    void register_cycle_isRejected() {
        EventKey a = new EventKey("A", 1);
        EventKey b = new EventKey("B", 1);
        assertThatThrownBy(() -> Upcasters.of(
                        List.of(custom(a, List.of(b), d -> List.of()), custom(b, List.of(a), d -> List.of()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cycle");
    }

    @Test
    void register_twoUpcastersForOneShape_isRejected() {
        assertThatThrownBy(() -> Upcasters.of(List.of(Upcaster.of("T", 1, d -> d), Upcaster.of("T", 1, d -> d))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two upcasters");
    }

    @Test
    void upcast_undeclaredOutput_fails() {
        EventKey a = new EventKey("A", 1);
        Upcasters chain = Upcasters.of(List.of(custom(
                a, List.of(new EventKey("A", 2)), d -> List.of(new Upcaster.Upcast(new EventKey("Z", 9), d)))));
        assertThatThrownBy(() -> chain.upcast(stored("A", 1, "{}")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("undeclared");
    }

    @Test
    void repository_oldStoredAndOldClientEvents_areUpcastOnReadAndNeverRewritten() {
        EventStore store = EventStore.of(new InMemoryEventLog());
        var repo = AggregateRepository.builder(store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .upcasters(Upcasters.of(List.of(AMT_TO_AMOUNT)))
                .build();
        repo.handle("acc-1", new Account.Open("ann"));
        // an old client still writes schema_version 1 with the old field name
        store.append("acc-1", ExpectedVersion.ANY, new EventData(null, "AccountDeposited", 1, "{\"amt\":40}", null));
        repo.handle("acc-1", new Account.Deposit(2));
        assertThat(repo.load("acc-1").state().balance()).isEqualTo(42);
        assertThat(store.read("acc-1").events().get(1).eventData()).isEqualTo("{\"amt\":40}");
        assertThat(store.read("acc-1").events().get(1).schemaVersion()).isEqualTo(1);
    }

    @Test
    void repository_withoutTheUpcaster_failsClearlyInsteadOfMisreading() {
        EventStore store = EventStore.of(new InMemoryEventLog());
        var repo = AggregateRepository.builder(store, Account.DECIDER, Account.REGISTRY, StateCodec.of(State.class, 1))
                .build();
        repo.handle("acc-1", new Account.Open("ann"));
        store.append("acc-1", ExpectedVersion.ANY, new EventData(null, "AccountDeposited", 1, "{\"amt\":40}", null));
        assertThatThrownBy(() -> repo.load("acc-1"))
                .hasMessageContaining("schema_version 1")
                .hasMessageContaining("upcaster");
    }

    @Test
    void upcast_randomChains_composeLikeApplyingEachStepInOrder() {
        Random random = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int steps = 1 + random.nextInt(6);
            int[] adds = new int[steps];
            List<Upcaster> ups = new java.util.ArrayList<>();
            for (int v = 1; v <= steps; v++) {
                int add = random.nextInt(100);
                adds[v - 1] = add;
                ups.add(Upcaster.of("T", v, d -> d.put("x", d.get("x").asInt() * 3 + add)));
            }
            java.util.Collections.shuffle(ups, random);
            Upcasters chain = Upcasters.of(ups);
            int startVersion = 1 + random.nextInt(steps + 1);
            int x = random.nextInt(1000);
            int expected = x;
            for (int v = startVersion; v <= steps; v++) {
                expected = expected * 3 + adds[v - 1];
            }
            RecordedEvent out =
                    chain.upcast(stored("T", startVersion, "{\"x\":" + x + "}")).getFirst();
            assertThat(out.schemaVersion()).isEqualTo(steps + 1 == startVersion ? startVersion : steps + 1);
            assertThat(Json.parseObject(out.eventData(), "d").get("x").asInt()).isEqualTo(expected);
        }
    }
}
