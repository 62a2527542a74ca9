package dev.hindsight.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.memory.InMemoryEventLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Master-key rotation: after {@link KeyRotation#rotate} the new key reads every field and names subjects as before
 * (forget still finds them), the old key is refused; a wrong old key changes nothing; and a crash at any point of the
 * file store's rewrite leaves a store that opens with the old key or with the new one, every key usable.
 */
class KeyRotationTest {
    private static final PersonalData PERSONAL = PersonalData.builder()
            .field("Created", "user_id")
            .subject("Created", "user_id")
            .build();
    private static final Random SEEDED = new Random(16);
    private static final MasterKey OLD = key();
    private static final MasterKey NEW = key();
    private static final MasterKey NEWER = key();

    @TempDir
    Path dir;

    private static MasterKey key() {
        byte[] k = new byte[32];
        SEEDED.nextBytes(k);
        return MasterKey.fromBase64(Base64.getEncoder().encodeToString(k));
    }

    /** Appends one order per customer through a shredder on {@code keys} under {@code master}; the log. */
    private static InMemoryEventLog appendOrders(MasterKey master, SubjectKeyStore keys, int customers) {
        InMemoryEventLog log = new InMemoryEventLog();
        EventStore store = EventStore.builder(log)
                .shredder(new Shredder(master, keys, PERSONAL))
                .build();
        for (int i = 0; i < customers; i++) {
            store.append(
                    "ord_" + i,
                    ExpectedVersion.NO_STREAM,
                    EventData.of("Created", "{\"user_id\":\"customer-" + i + "\",\"amount\":" + i + "}"));
        }
        return log;
    }

    private static String userId(InMemoryEventLog log, MasterKey master, SubjectKeyStore keys, int i) {
        EventStore store = EventStore.builder(log)
                .shredder(new Shredder(master, keys, PERSONAL))
                .build();
        RecordedEvent e = store.read("ord_" + i).events().getFirst();
        ObjectNode data = Json.parseObject(e.eventData(), "data");
        return data.get("user_id").asText();
    }

    @Test
    void rotate_fileStore_newKeyReadsEverythingOldKeyRefusedForgetStillWorks() {
        FileSubjectKeyStore keys = FileSubjectKeyStore.open(dir);
        InMemoryEventLog log = appendOrders(OLD, keys, 3);
        String refBefore = new Shredder(OLD, keys, PERSONAL).subjectRef("customer-1");

        assertThat(KeyRotation.rotate(keys, OLD, NEW)).isEqualTo(3);

        FileSubjectKeyStore reopened = FileSubjectKeyStore.open(dir);
        for (int i = 0; i < 3; i++) {
            assertThat(userId(log, NEW, reopened, i)).isEqualTo("customer-" + i);
        }
        Shredder shredder = new Shredder(NEW, reopened, PERSONAL);
        assertThat(shredder.subjectRef("customer-1"))
                .as("audit refs keep matching")
                .isEqualTo(refBefore);
        assertThatThrownBy(() -> new Shredder(OLD, reopened, PERSONAL))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining("rotated");
        assertThat(shredder.forget("customer-1").keyDestroyed()).isTrue();
        assertThat(userId(log, NEW, reopened, 1)).isEqualTo(Shredder.ERASED);
        assertThat(userId(log, NEW, reopened, 2)).isEqualTo("customer-2");
    }

    @Test
    void shredder_withAnotherMasterKeyThanTheStoresKeys_refusedAtOnce() {
        InMemorySubjectKeyStore keys = new InMemorySubjectKeyStore();
        appendOrders(OLD, keys, 1);

        assertThatThrownBy(() -> new Shredder(NEW, keys, PERSONAL))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining("made with another master key");
        assertThat(new Shredder(NEW, new InMemorySubjectKeyStore(), PERSONAL)).isNotNull();
    }

    @Test
    void rotate_twice_inMemory_thirdKeyReadsAndNewCustomersGetKeysUnderIt() {
        InMemorySubjectKeyStore keys = new InMemorySubjectKeyStore();
        InMemoryEventLog log = appendOrders(OLD, keys, 2);

        KeyRotation.rotate(keys, OLD, NEW);
        assertThat(KeyRotation.rotate(keys, NEW, NEWER)).isEqualTo(2);

        assertThat(userId(log, NEWER, keys, 0)).isEqualTo("customer-0");
        InMemoryEventLog later = appendOrders(NEWER, keys, 3); // customers 0, 1 reuse their keys; 2 is new
        assertThat(userId(later, NEWER, keys, 2)).isEqualTo("customer-2");
        assertThat(keys.bySubject(new Shredder(NEWER, keys, PERSONAL).subjectRef("customer-0")))
                .isPresent();
    }

    @Test
    void rotate_wrongOldKeyOrAlreadyRotated_changesNothing() throws IOException {
        FileSubjectKeyStore keys = FileSubjectKeyStore.open(dir);
        appendOrders(OLD, keys, 2);
        byte[] before = Files.readAllBytes(keys.file());

        assertThatThrownBy(() -> KeyRotation.rotate(keys, NEWER, NEW))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining("neither");
        assertThat(Files.readAllBytes(keys.file())).isEqualTo(before);

        KeyRotation.rotate(keys, OLD, NEW);
        byte[] rotated = Files.readAllBytes(keys.file());
        assertThatThrownBy(() -> KeyRotation.rotate(keys, OLD, NEW))
                .isInstanceOf(CorruptionException.class)
                .hasMessageContaining("already");
        assertThat(Files.readAllBytes(keys.file())).isEqualTo(rotated);
        assertThatThrownBy(() -> KeyRotation.rotate(keys, NEW, NEW)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Every crash point of the rewrite: the new file partly written (not yet fsynced: the old one untouched), or
     * complete with the old one zeroed from its start up to any byte (persisted in any order: a middle block too).
     */
    @Test
    void rotate_crashAnywhereInTheRewrite_opensWithOldOrNewKeyNeverAMix() throws IOException {
        Path oldDir = Files.createDirectories(dir.resolve("old"));
        InMemoryEventLog log = appendOrders(OLD, FileSubjectKeyStore.open(oldDir), 4);
        byte[] oldContent = Files.readAllBytes(oldDir.resolve(FileSubjectKeyStore.FILE_NAME));
        Path newDir = Files.createDirectories(dir.resolve("new"));
        Files.write(newDir.resolve(FileSubjectKeyStore.FILE_NAME), oldContent);
        KeyRotation.rotate(FileSubjectKeyStore.open(newDir), OLD, NEW);
        byte[] newContent = Files.readAllBytes(newDir.resolve(FileSubjectKeyStore.FILE_NAME));

        int cases = 0;
        for (int cut = 0; cut < newContent.length; cut += 37) {
            // the temporary file torn while written: the old file was not touched yet
            Path d = crashState(cases++, oldContent, Arrays.copyOf(newContent, cut));
            assertReadable(log, OLD, d);
        }
        for (int from = 0; from < oldContent.length; from += 53) {
            for (int len : new int[] {1, 40, oldContent.length}) {
                byte[] zeroed = oldContent.clone();
                Arrays.fill(zeroed, from, Math.min(oldContent.length, from + len), (byte) 0);
                Path d = crashState(cases++, zeroed, newContent);
                assertReadable(log, NEW, d);
            }
        }
        assertThat(cases).isGreaterThan(20);
    }

    private Path crashState(int n, byte[] main, byte[] tmp) throws IOException {
        Path d = Files.createDirectories(dir.resolve("crash-" + n));
        Files.write(d.resolve(FileSubjectKeyStore.FILE_NAME), main);
        Files.write(d.resolve(FileSubjectKeyStore.FILE_NAME + ".tmp"), tmp);
        return d;
    }

    private static void assertReadable(InMemoryEventLog log, MasterKey master, Path d) {
        FileSubjectKeyStore keys = FileSubjectKeyStore.open(d);
        for (int i = 0; i < 4; i++) {
            assertThat(userId(log, master, keys, i)).as("%s, customer %d", d, i).isEqualTo("customer-" + i);
        }
        assertThat(Files.exists(d.resolve(FileSubjectKeyStore.FILE_NAME + ".tmp")))
                .isFalse();
        assertThat(new String(readQuietly(d), StandardCharsets.US_ASCII)).doesNotContain("\0");
    }

    private static byte[] readQuietly(Path d) {
        try {
            return Files.readAllBytes(d.resolve(FileSubjectKeyStore.FILE_NAME));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
