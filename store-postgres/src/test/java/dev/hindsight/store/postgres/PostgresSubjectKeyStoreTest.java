package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.hindsight.core.privacy.SubjectKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The subject keys table: a forget leaves the subject's tombstone, which {@code getOrCreate} answers from then on (a
 * forgotten subject never gets a new key, even from a writer racing the forget), and which the key lookups and
 * {@code anyKey} never answer.
 */
class PostgresSubjectKeyStoreTest {
    private static String schema;
    private static HikariDataSource pool;
    private static PostgresSubjectKeyStore keys;

    @BeforeAll
    static void createSchema() {
        schema = PgTestSupport.newSchema("skeys");
        PostgresOptions options = PgTestSupport.options(schema).withPoolSize(4);
        try (PostgresEventLog log = PostgresEventLog.open(options)) {
            log.head(); // migrated, with subject_keys (V7)
        }
        pool = options.withMigrate(false).openPool();
        keys = PostgresSubjectKeyStore.open(pool, schema);
    }

    @AfterAll
    static void dropSchema() throws Exception {
        pool.close();
        PgTestSupport.dropSchema(schema);
    }

    private static SubjectKey key(String ref, String id) {
        return new SubjectKey(ref, id, new byte[] {1, 2, 3});
    }

    @Test
    void forget_leavesATombstoneThatGetOrCreateAnswers() {
        SubjectKey alice = keys.getOrCreate("ref-alice", () -> key("ref-alice", "kid-alice"));
        assertThat(keys.byKeyId("kid-alice")).isPresent();

        assertThat(keys.delete("ref-alice")).contains("kid-alice");
        assertThat(keys.byKeyId(alice.keyId())).isEmpty();
        SubjectKey after = keys.getOrCreate("ref-alice", () -> key("ref-alice", "kid-alice-2"));
        assertThat(after.isForgotten()).isTrue();
        assertThat(after.wrapped()).isEmpty();
        assertThat(keys.bySubject("ref-alice").map(SubjectKey::keyId)).contains(after.keyId());
        assertThat(keys.byKeyId("kid-alice-2")).isEmpty();
        assertThat(keys.byKeyId(after.keyId())).isEmpty();
        assertThat(keys.delete("ref-alice")).as("already forgotten").isEmpty();

        // a subject forgotten before it had a key is forgotten all the same
        assertThat(keys.delete("ref-never")).isEmpty();
        assertThat(keys.getOrCreate("ref-never", () -> key("ref-never", "kid-never"))
                        .isForgotten())
                .isTrue();
        keys.getOrCreate("ref-bob", () -> key("ref-bob", "kid-bob"));
        Optional<SubjectKey> any = keys.anyKey();
        assertThat(any).isPresent();
        assertThat(any.get().isForgotten()).isFalse();
    }

    @Test
    void forgetRacingCreates_theSubjectEndsForgottenAndNoCreatorGetsAKeyAfterTheForget() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                String ref = "ref-race-" + round;
                List<Callable<SubjectKey>> creators = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String id = "kid-race-" + round + "-" + i;
                    creators.add(() -> keys.getOrCreate(ref, () -> key(ref, id)));
                }
                List<Future<SubjectKey>> created = new ArrayList<>();
                for (Callable<SubjectKey> c : creators) {
                    created.add(threads.submit(c));
                }
                Future<Optional<String>> forgot = threads.submit(() -> keys.delete(ref));
                forgot.get();
                // after the forget returned, every create answers the tombstone
                assertThat(keys.getOrCreate(ref, () -> key(ref, "kid-late")).isForgotten())
                        .isTrue();
                for (Future<SubjectKey> f : created) {
                    SubjectKey k = f.get();
                    assertThat(k.isForgotten() || keys.byKeyId(k.keyId()).isEmpty())
                            .as("a key answered to a creator is gone once the forget returned")
                            .isTrue();
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
