package dev.hindsight.core.privacy;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Where subjects' wrapped data keys live (SPI: the file engine keeps them in its data directory, PostgreSQL in its
 * schema). Implementations must really remove a deleted key's bytes from their storage, not just mark it. Thread-safe.
 */
public interface SubjectKeyStore extends AutoCloseable {

    /**
     * The subject's key, stored first from {@code create} if it has none; two concurrent calls for one subject return
     * the same key. A forgotten subject's answer is its tombstone ({@link SubjectKey#isForgotten}), never a new key:
     * a writer that read the subject's id before the forget (a cached state) must not make its data readable again.
     *
     * @throws dev.hindsight.core.StoreUnavailableException if it cannot be read or written
     */
    SubjectKey getOrCreate(String subjectRef, Supplier<SubjectKey> create);

    /** The subject's key or tombstone ({@link SubjectKey#isForgotten}), empty if it has neither. */
    Optional<SubjectKey> bySubject(String subjectRef);

    /**
     * Some key of the store (never a tombstone), empty if it has none: to check that a master key opens the store's
     * keys.
     */
    Optional<SubjectKey> anyKey();

    /** The key with id {@code keyId}, empty if there is none (never created, or forgotten); never a tombstone. */
    Optional<SubjectKey> byKeyId(String keyId);

    /**
     * Deletes the subject's key, durably, and leaves its tombstone ({@link SubjectKey#forgotten}) in its place, also
     * when it had no key: from then on {@link #getOrCreate} answers the tombstone. Atomic: a concurrent
     * {@code getOrCreate} answers the old key or the tombstone, never a key made after the forget.
     *
     * @return the deleted key's id, empty if the subject had none (never created, or already forgotten)
     */
    Optional<String> delete(String subjectRef);

    /**
     * Replaces every entry (keys and tombstones) by {@code replace}'s answer for the current ones, atomically: after a
     * crash the store holds
     * either all the old entries or all the new ones. For master-key rotation ({@link KeyRotation}), with every process
     * using the store stopped.
     *
     * @throws RuntimeException what {@code replace} throws, with nothing changed
     * @throws dev.hindsight.core.StoreUnavailableException if the store cannot be read or written
     */
    void replaceAll(UnaryOperator<List<SubjectKey>> replace);

    @Override
    default void close() {}
}
