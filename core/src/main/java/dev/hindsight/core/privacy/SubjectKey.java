package dev.hindsight.core.privacy;

import java.util.Objects;

/**
 * A subject's data key as stored: wrapped by the master key.
 *
 * @param subjectRef HMAC of the subject's id ({@link MasterKey#subjectRef})
 * @param keyId random id that encrypted fields name
 * @param wrapped the data key encrypted by the master key ({@link MasterKey#wrap})
 */
public record SubjectKey(String subjectRef, String keyId, byte[] wrapped) {
    public SubjectKey {
        Objects.requireNonNull(subjectRef, "subjectRef");
        Objects.requireNonNull(keyId, "keyId");
        wrapped = wrapped.clone();
    }

    @Override
    public byte[] wrapped() {
        return wrapped.clone();
    }
}
