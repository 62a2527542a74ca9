package dev.hindsight.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShredderTest {
    private static final MasterKey MASTER =
            MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
    private static final PersonalData PERSONAL = PersonalData.builder()
            .field("Created", "user_id")
            .field("Created", "note")
            .subject("Created", "user_id")
            .field("Noted", "note")
            .metadataField("user_id")
            .build();

    @TempDir
    Path dir;

    private EventStore store(InMemoryEventLog log, SubjectKeyStore keys) {
        return EventStore.builder(log)
                .shredder(new Shredder(MASTER, keys, PERSONAL))
                .build();
    }

    @Test
    void append_personalFields_storedEncryptedReadDecryptedErasedAfterForget() {
        InMemoryEventLog log = new InMemoryEventLog();
        Shredder shredder = new Shredder(MASTER, FileSubjectKeyStore.open(dir), PERSONAL);
        EventStore store = EventStore.builder(log).shredder(shredder).build();
        store.append(
                "ord_1",
                ExpectedVersion.NO_STREAM,
                EventData.of("Created", "{\"user_id\":\"alice-42\",\"note\":\"ring twice\",\"amount\":1250}")
                        .withMetadata("{\"user_id\":\"alice-42\"}"));
        store.append(
                "ord_1",
                ExpectedVersion.exact(1),
                EventData.of("Noted", "{\"note\":\"leave at door\",\"amount\":7}")
                        .withMetadata("{\"subject\":\"alice-42\"}"));

        String raw = log.readAggregate("ord_1", 1, 10, ReadDirection.FORWARD).toString();
        assertThat(raw)
                .doesNotContain("alice-42", "ring twice", "leave at door")
                .contains("enc:v1:", "1250");
        assertThat(log.readAggregate("ord_1", 2, 1, ReadDirection.FORWARD)
                        .getFirst()
                        .metadata())
                .doesNotContain("subject");

        List<RecordedEvent> read = store.read("ord_1").events();
        assertThat(field(read.get(0), "user_id")).isEqualTo("alice-42");
        assertThat(field(read.get(1), "note")).isEqualTo("leave at door");
        assertThat(Json.parseObject(read.get(0).metadata(), "m").path("user_id").asText())
                .isEqualTo("alice-42");

        Shredder.Forgotten f = shredder.forget("alice-42");
        assertThat(f.keyDestroyed()).isTrue();
        assertThat(f.subjectRef()).isEqualTo(MASTER.subjectRef("alice-42")).doesNotContain("alice");

        List<RecordedEvent> after = store.read("ord_1").events();
        assertThat(field(after.get(0), "user_id")).isEqualTo(Shredder.ERASED);
        assertThat(field(after.get(0), "note")).isEqualTo(Shredder.ERASED);
        assertThat(Json.parseObject(after.get(0).eventData(), "d")
                        .path("amount")
                        .asLong())
                .isEqualTo(1250);
        assertThat(field(after.get(1), "note")).isEqualTo(Shredder.ERASED);
        List<RecordedEvent> global =
                store.readAll(Position.START, 10, EventFilter.ALL).events();
        assertThat(global.toString()).doesNotContain("enc:v1:").contains(Shredder.ERASED);
        assertThat(shredder.forget("alice-42").keyDestroyed()).isFalse();
    }

    @Test
    void append_subjectErased_personalFieldsNeverStored() {
        InMemoryEventLog log = new InMemoryEventLog();
        EventStore store = store(log, new InMemorySubjectKeyStore());
        store.append(
                "ord_3",
                ExpectedVersion.ANY,
                EventData.of("Noted", "{\"note\":\"call me at 555-0101\"}").withMetadata("{\"subject\":\"[erased]\"}"));
        String raw = log.readAggregate("ord_3", 1, 1, ReadDirection.FORWARD).toString();
        assertThat(raw).doesNotContain("555-0101", "subject").contains(Shredder.ERASED);
    }

    @Test
    void append_storedFormOfAnotherEvent_keptAsIsAndReadable() {
        InMemoryEventLog log = new InMemoryEventLog();
        EventStore store = store(log, new InMemorySubjectKeyStore());
        store.append("ord_4", ExpectedVersion.ANY, EventData.of("Created", "{\"user_id\":\"fay\",\"note\":\"n\"}"));
        String stored = store.readAllAsStored(Position.START, 10, EventFilter.ALL)
                .events()
                .getFirst()
                .eventData();
        assertThat(stored).contains("enc:v1:").doesNotContain("fay");
        store.append("ord_5", ExpectedVersion.ANY, EventData.of("Created", stored)); // an import of an export
        assertThat(log.readAggregate("ord_5", 1, 1, ReadDirection.FORWARD)
                        .getFirst()
                        .eventData())
                .isEqualTo(stored);
        assertThat(field(store.read("ord_5").events().getFirst(), "user_id")).isEqualTo("fay");
    }

    @Test
    void append_sameEventIdTwice_isIdempotent() {
        InMemoryEventLog log = new InMemoryEventLog();
        EventStore store = store(log, new InMemorySubjectKeyStore());
        EventData e = new EventData(UUID.randomUUID(), "Created", 1, "{\"user_id\":\"bob\"}", null);
        store.append("ord_2", ExpectedVersion.ANY, e);
        store.append("ord_2", ExpectedVersion.ANY, e);
        assertThat(store.read("ord_2").events()).hasSize(1);
    }

    @Test
    void fileKeyStore_reopenedAfterDelete_hasOnlyTheOtherKeysAndNoBytesOfTheDeletedOne() throws Exception {
        FileSubjectKeyStore keys = FileSubjectKeyStore.open(dir);
        Shredder shredder = new Shredder(MASTER, keys, PERSONAL);
        EventStore store =
                EventStore.builder(new InMemoryEventLog()).shredder(shredder).build();
        store.append("ord_a", ExpectedVersion.ANY, EventData.of("Created", "{\"user_id\":\"carol\"}"));
        store.append("ord_b", ExpectedVersion.ANY, EventData.of("Created", "{\"user_id\":\"dave\"}"));
        String carolLine = Files.readAllLines(keys.file()).stream()
                .filter(l -> l.startsWith(MASTER.subjectRef("carol")))
                .findFirst()
                .orElseThrow();
        shredder.forget("carol");
        String content = Files.readString(keys.file());
        assertThat(content).doesNotContain(carolLine.split(" ")[2]).contains(MASTER.subjectRef("dave"));
        FileSubjectKeyStore reopened = FileSubjectKeyStore.open(dir);
        assertThat(reopened.byKeyId(carolLine.split(" ")[1])).isEmpty();
        assertThat(reopened.delete(MASTER.subjectRef("dave"))).isPresent();
    }

    @Test
    void destroyedKeyIds_rememberedUpToABound_andForgottenFieldsStayErasedPastIt() {
        InMemorySubjectKeyStore keys = new InMemorySubjectKeyStore();
        Shredder shredder = new Shredder(MASTER, keys, PERSONAL, 16);
        EventStore store =
                EventStore.builder(new InMemoryEventLog()).shredder(shredder).build();
        store.append("ord_first", ExpectedVersion.ANY, EventData.of("Created", "{\"user_id\":\"first\"}"));
        shredder.forget("first");
        for (int i = 0; i <= 16; i++) {
            String subject = "s" + i;
            shredder.protectJson("{\"note\":\"x\"}", subject, java.util.Set.of("note"));
            shredder.forget(subject);
            assertThat(shredder.goneRemembered()).isLessThanOrEqualTo(16);
        }
        // "first" dropped out of the set: its fields still read as erased (the key store has no key)
        RecordedEvent e = store.read("ord_first").events().getFirst();
        assertThat(field(e, "user_id")).isEqualTo(Shredder.ERASED);
    }

    /**
     * A writer that read the subject's id before the forget (a cached, decrypted order state) and appends after it: the
     * subject must not get a new key, or what it writes is readable again (README: new events on a forgotten
     * customer's orders store their notes as "[erased]"). Failed before the fix: the append created a new key and the
     * note read back in clear; so did a snapshot of the stale state.
     */
    @Test
    void forget_thenAppendOrSnapshotNamingTheSubject_noNewKeyAndPersonalFieldsErased() {
        for (SubjectKeyStore keys : List.of(new InMemorySubjectKeyStore(), FileSubjectKeyStore.open(dir))) {
            InMemoryEventLog log = new InMemoryEventLog();
            Shredder shredder = new Shredder(MASTER, keys, PERSONAL);
            EventStore store = EventStore.builder(log).shredder(shredder).build();
            store.append("ord_1", ExpectedVersion.ANY, EventData.of("Created", "{\"user_id\":\"alice-42\"}"));
            assertThat(shredder.forget("alice-42").keyDestroyed()).isTrue();

            store.append(
                    "ord_1",
                    ExpectedVersion.exact(1),
                    EventData.of("Noted", "{\"note\":\"call me at 555-0102\"}")
                            .withMetadata("{\"subject\":\"alice-42\",\"user_id\":\"alice-42\"}"));
            String snapshot = shredder.protectJson(
                    "{\"user_id\":\"alice-42\",\"note\":\"call me at 555-0102\"}",
                    "alice-42",
                    java.util.Set.of("user_id", "note"));

            assertThat(shredder.hasKey("alice-42"))
                    .as("no new key for a forgotten subject")
                    .isFalse();
            assertThat(log.readAggregate("ord_1", 2, 1, ReadDirection.FORWARD).toString())
                    .doesNotContain("555-0102", "alice-42", "enc:v1:")
                    .contains(Shredder.ERASED);
            assertThat(field(store.read("ord_1").events().getLast(), "note")).isEqualTo(Shredder.ERASED);
            assertThat(snapshot).doesNotContain("555-0102", "alice-42", "enc:v1:");
            assertThat(shredder.forget("alice-42").keyDestroyed()).isFalse();
            // other subjects are unaffected, and a new shredder over the same keys still opens them
            store.append("ord_2", ExpectedVersion.ANY, EventData.of("Created", "{\"user_id\":\"bob\"}"));
            Shredder again = new Shredder(MASTER, keys, PERSONAL);
            assertThat(again.hasKey("alice-42")).isFalse();
            assertThat(again.hasKey("bob")).isTrue();
        }
        // the file store keeps the subject forgotten across a reopen, with no key bytes for it
        Shredder reopened = new Shredder(MASTER, FileSubjectKeyStore.open(dir), PERSONAL);
        assertThat(reopened.protectJson("{\"note\":\"x\"}", "alice-42", java.util.Set.of("note")))
                .isEqualTo("{\"note\":\"[erased]\"}");
        assertThat(reopened.hasKey("alice-42")).isFalse();
    }

    /** A store whose only entry is a forgotten subject opens under any master key (there is no key to check). */
    @Test
    void forget_onlySubject_storeStillOpensAndRotates() {
        InMemorySubjectKeyStore keys = new InMemorySubjectKeyStore();
        Shredder shredder = new Shredder(MASTER, keys, PERSONAL);
        shredder.protectJson("{\"note\":\"x\"}", "carol", java.util.Set.of("note"));
        shredder.forget("carol");
        MasterKey other = MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
            30, 31, 32
        }));
        assertThat(KeyRotation.rotate(keys, MASTER, other)).isZero();
        Shredder rotated = new Shredder(other, keys, PERSONAL);
        assertThat(rotated.protectJson("{\"note\":\"x\"}", "carol", java.util.Set.of("note")))
                .isEqualTo("{\"note\":\"[erased]\"}");
        assertThat(rotated.forget("carol").keyDestroyed()).isFalse();
    }

    private static String field(RecordedEvent e, String name) {
        ObjectNode data = Json.parseObject(e.eventData(), "data");
        return data.path(name).asText();
    }
}
