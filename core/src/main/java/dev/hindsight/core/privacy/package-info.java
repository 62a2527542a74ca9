/**
 * Crypto-shredding: personal fields of events are encrypted with a per-subject data key, so that destroying the key
 * ({@link dev.hindsight.core.privacy.Shredder#forget}) erases them everywhere the log's bytes went (segments, archive,
 * exports, Kafka) while the rest of each event stays readable.
 *
 * <p>An encrypted field is the JSON string {@code "enc:v1:<key id>:<base64url(nonce | ciphertext | tag)>"}: AES-256-GCM,
 * 12-byte nonce, associated data {@code "enc:v1:<key id>"}. The nonce is derived (HMAC-SHA256 of the event id, the
 * field's path and the plaintext under a key derived from the data key) when the event has an id, so that a retried
 * append stores the same bytes (idempotency); otherwise it is random. A field whose key is gone reads as
 * {@value dev.hindsight.core.privacy.Shredder#ERASED}.
 *
 * <p>Key ids are random: nothing in an event links it to its subject. Only the key store links a subject (by an
 * HMAC-SHA256 of its id under a key derived from the master key, never the id itself) to its key id and its data key,
 * wrapped (AES-256-GCM) by the master key. Forgetting replaces that entry by the subject's tombstone (key id
 * {@code $forgotten:<subject ref>}, no key), which stays: a forgotten subject never gets a new key, so what is written
 * for it afterwards (by a writer that read its id before the forget) stores its personal fields as
 * {@value dev.hindsight.core.privacy.Shredder#ERASED}.
 *
 * <p>{@link dev.hindsight.core.privacy.FileSubjectKeyStore} format ({@code subject-keys} in the data directory), one
 * entry per line: {@code <subject ref> <key id> <base64url(wrapped key)>}, a tombstone's wrapped key being {@code -}.
 * Appends are fsynced; a deletion rewrites the
 * file (temporary file, fsync, overwrite the old file with zeros, rename) so the key's bytes do not survive in it; on
 * open, a temporary file left by a crash replaces the old one if that holds a zero byte (the rewrite had reached the
 * zeroing, so the temporary file is complete), and is deleted otherwise.
 *
 * <p>Master-key rotation ({@link dev.hindsight.core.privacy.KeyRotation}) re-wraps every entry and adds the entry
 * {@code $subject-ref-key $subject-ref-key <wrapped HMAC key>}: subjects keep the names the first master key gave them.
 */
@NullMarked
package dev.hindsight.core.privacy;

import org.jspecify.annotations.NullMarked;
