package dev.hindsight.core.privacy;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where subjects' wrapped data keys live (SPI: the file engine keeps them in its data directory, PostgreSQL in its
 * schema). Implementations must really remove a deleted key's bytes from their storage, not just mark it. Thread-safe.
 */
public interface SubjectKeyStore extends AutoCloseable {

    /**
     * The subject's key, stored first from {@code create} if it has none; two concurrent calls for one subject return
     * the same key.
     *
     * @throws dev.hindsight.core.StoreUnavailableException if it cannot be read or written
     */
    SubjectKey getOrCreate(String subjectRef, Supplier<SubjectKey> create);

    /** The subject's key, empty if it has none (never created, or forgotten). */
    Optional<SubjectKey> bySubject(String subjectRef);

    /** The key with id {@code keyId}, empty if there is none (never created, or forgotten). */
    Optional<SubjectKey> byKeyId(String keyId);

    /**
     * Deletes the subject's key, durably.
     *
     * @return the deleted key's id, empty if the subject had none
     */
    Optional<String> delete(String subjectRef);

    @Override
    default void close() {}
}
