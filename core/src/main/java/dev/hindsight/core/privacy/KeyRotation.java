package dev.hindsight.core.privacy;

import dev.hindsight.core.CorruptionException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Master-key rotation: every data key of a key store re-wrapped under a new master key, in one atomic replacement of
 * the store's entries ({@link SubjectKeyStore#replaceAll}: a crash leaves all old wrappings or all new ones).
 *
 * <p>Subjects are named in the key store by an HMAC under a key derived from the master key, which a new master key
 * would change, and the subjects' ids are not stored to compute new names from. So the store keeps naming subjects with
 * the first master key's HMAC key: the first rotation stores that key, wrapped like a data key, in the entry
 * {@value #REF_KEY_ENTRY}, and every rotation re-wraps it with the rest. {@link #forStore} gives the master key as a
 * store uses it. Audit records ({@code subject_ref}) therefore keep matching across rotations. Stateless.
 */
public final class KeyRotation {
    /** The key store entry (subject ref and key id) holding the subject-ref HMAC key once a store was rotated. */
    public static final String REF_KEY_ENTRY = "$subject-ref-key";

    private KeyRotation() {}

    /**
     * {@code master} as {@code keys} uses it: naming subjects with the HMAC key the store keeps, if it was rotated.
     * Checks that {@code master} opens the store's keys (one of them), so that a process given another master key
     * than the others of its store fails at once instead of making keys of its own for known subjects.
     *
     * @throws CorruptionException if the store's keys do not open with {@code master} (rotated to another key, or made
     *     with another one)
     */
    public static MasterKey forStore(MasterKey master, SubjectKeyStore keys) {
        Optional<SubjectKey> ref = keys.bySubject(REF_KEY_ENTRY);
        if (ref.isEmpty()) {
            keys.anyKey().ifPresent(k -> {
                try {
                    Arrays.fill(master.unwrap(k.wrapped(), k.keyId()), (byte) 0);
                } catch (CorruptionException e) {
                    throw new CorruptionException("the master key does not open this store's subject keys: they"
                            + " were made with another master key; give every process of the store the same one");
                }
            });
            return master;
        }
        try {
            return master.withSubjectRefKey(master.unwrap(ref.get().wrapped(), REF_KEY_ENTRY));
        } catch (CorruptionException e) {
            throw new CorruptionException("the master key does not open this store's subject keys: they were rotated"
                    + " to another master key (hindsight keys rotate); start with that one");
        }
    }

    /**
     * Re-wraps every data key of {@code keys} from {@code oldKey} to {@code newKey}, atomically. Nothing changes if
     * any key does not open with {@code oldKey}. Every process using the store must be stopped (one still running
     * would wrap new keys with the old master key), and started again with the new one.
     *
     * @return the number of data keys re-wrapped
     * @throws CorruptionException if a key does not open with {@code oldKey} (a wrong key, or already rotated)
     * @throws IllegalArgumentException if the two keys are the same
     */
    public static int rotate(SubjectKeyStore keys, MasterKey oldKey, MasterKey newKey) {
        Objects.requireNonNull(oldKey, "oldKey");
        Objects.requireNonNull(newKey, "newKey");
        if (Arrays.equals(oldKey.subjectRefKey(), newKey.subjectRefKey())) {
            throw new IllegalArgumentException("the old and the new master key are the same");
        }
        int[] rewrapped = {0};
        keys.replaceAll(entries -> {
            byte[] refKey = oldKey.subjectRefKey();
            List<SubjectKey> next = new ArrayList<>();
            for (SubjectKey e : entries) {
                if (e.subjectRef().equals(REF_KEY_ENTRY)) {
                    refKey = open(oldKey, newKey, e);
                    continue;
                }
                if (e.isForgotten()) {
                    next.add(e); // no key to re-wrap; the subject stays forgotten under the new master key
                    continue;
                }
                byte[] dataKey = open(oldKey, newKey, e);
                next.add(new SubjectKey(e.subjectRef(), e.keyId(), newKey.wrap(dataKey, e.keyId())));
                Arrays.fill(dataKey, (byte) 0);
            }
            next.add(new SubjectKey(REF_KEY_ENTRY, REF_KEY_ENTRY, newKey.wrap(refKey, REF_KEY_ENTRY)));
            Arrays.fill(refKey, (byte) 0);
            rewrapped[0] = (int) next.stream().filter(k -> !k.isForgotten()).count() - 1;
            return next;
        });
        return rewrapped[0];
    }

    private static byte[] open(MasterKey oldKey, MasterKey newKey, SubjectKey e) {
        try {
            return oldKey.unwrap(e.wrapped(), e.keyId());
        } catch (CorruptionException notOld) {
            try {
                newKey.unwrap(e.wrapped(), e.keyId());
            } catch (CorruptionException notNew) {
                throw new CorruptionException("data key " + e.keyId()
                        + " opens with neither the old nor the new master key: nothing changed");
            }
            throw new CorruptionException("the store's keys are already wrapped by the new master key (rotated"
                    + " before?): nothing changed");
        }
    }
}
