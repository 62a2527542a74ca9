package dev.hindsight.core.privacy;

import java.util.Objects;

/**
 * A subject's data key as stored: wrapped by the master key; or the tombstone of a forgotten subject
 * ({@link #forgotten}), which holds no key and stays, so that the subject never gets a new key.
 *
 * @param subjectRef HMAC of the subject's id ({@link MasterKey#subjectRef})
 * @param keyId random id that encrypted fields name ({@value #FORGOTTEN_PREFIX} and the subject ref for a tombstone)
 * @param wrapped the data key encrypted by the master key ({@link MasterKey#wrap}); empty for a tombstone
 */
public record SubjectKey(String subjectRef, String keyId, byte[] wrapped) {
    /**
     * How a tombstone's key id starts: never the id of a key (those are base64url, which has no {@code $}), and unique
     * per subject with the subject ref after it (key ids are unique in the stores).
     */
    public static final String FORGOTTEN_PREFIX = "$forgotten:";

    public SubjectKey {
        Objects.requireNonNull(subjectRef, "subjectRef");
        Objects.requireNonNull(keyId, "keyId");
        wrapped = wrapped.clone();
    }

    /** The tombstone a key store keeps for a forgotten subject in place of its key. */
    public static SubjectKey forgotten(String subjectRef) {
        return new SubjectKey(subjectRef, FORGOTTEN_PREFIX + subjectRef, new byte[0]);
    }

    /** Whether this is a forgotten subject's tombstone ({@link #forgotten}), not a key. */
    public boolean isForgotten() {
        return keyId.startsWith(FORGOTTEN_PREFIX);
    }

    @Override
    public byte[] wrapped() {
        return wrapped.clone();
    }
}
