package dev.hindsight.core.privacy;

import dev.hindsight.core.CorruptionException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The store's master key (32 bytes): wraps subjects' data keys and keys the HMAC that names subjects in the key store.
 * Two keys are derived from it (HMAC-SHA256 with fixed labels), one per use. Thread-safe.
 */
public final class MasterKey {
    static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec wrapKey;
    private final SecretKeySpec refKey;
    private final SecureRandom random = new SecureRandom();

    private MasterKey(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("a master key is 32 bytes, was " + key.length);
        }
        this.wrapKey = new SecretKeySpec(hmac(key, "hindsight key-wrap v1"), "AES");
        this.refKey = new SecretKeySpec(hmac(key, "hindsight subject-ref v1"), "HmacSHA256");
        Arrays.fill(key, (byte) 0);
    }

    private MasterKey(SecretKeySpec wrapKey, SecretKeySpec refKey) {
        this.wrapKey = wrapKey;
        this.refKey = refKey;
    }

    /** The key of the subject-ref HMAC ({@link #subjectRef}). */
    byte[] subjectRefKey() {
        return refKey.getEncoded();
    }

    /**
     * This master key naming subjects with {@code subjectRefKey} instead of its own derived one: a store whose master
     * key was rotated keeps naming subjects as the first master key did ({@link KeyRotation}).
     */
    MasterKey withSubjectRefKey(byte[] subjectRefKey) {
        return new MasterKey(wrapKey, new SecretKeySpec(subjectRefKey, "HmacSHA256"));
    }

    /**
     * A master key from its base64 text ({@code head -c32 /dev/urandom | base64}).
     *
     * @throws IllegalArgumentException if it is not base64 of 32 bytes
     */
    public static MasterKey fromBase64(String text) {
        try {
            return new MasterKey(Base64.getDecoder().decode(text.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a master key is base64 of 32 bytes: " + e.getMessage(), e);
        }
    }

    /**
     * The master key in {@code file} (base64 text).
     *
     * @throws IllegalArgumentException if it cannot be read or is not base64 of 32 bytes
     */
    public static MasterKey fromFile(Path file) {
        try {
            return fromBase64(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read the master key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The name of {@code subject} in the key store and the audit trail: lowercase hex HMAC-SHA256 of its UTF-8 id. */
    public String subjectRef(String subject) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(refKey);
            return HexFormat.of().formatHex(mac.doFinal(subject.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Encrypts a data key (AES-GCM, random nonce, the key id as associated data). */
    byte[] wrap(byte[] dataKey, String keyId) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, wrapKey, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(keyId.getBytes(StandardCharsets.US_ASCII));
            byte[] ct = c.doFinal(dataKey);
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + ct.length);
            System.arraycopy(ct, 0, out, NONCE_BYTES, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /**
     * Decrypts a data key.
     *
     * @throws CorruptionException if it was not wrapped by this master key (a wrong key, or damaged bytes)
     */
    byte[] unwrap(byte[] wrapped, String keyId) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, wrapKey, new GCMParameterSpec(TAG_BITS, wrapped, 0, NONCE_BYTES));
            c.updateAAD(keyId.getBytes(StandardCharsets.US_ASCII));
            return c.doFinal(wrapped, NONCE_BYTES, wrapped.length - NONCE_BYTES);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new CorruptionException("data key " + keyId + " does not open with this master key (wrong key?)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Fresh random bytes (data keys, key ids, nonces). */
    byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    static byte[] hmac(byte[] key, String label) {
        return hmac(key, label.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "MasterKey[hidden]";
    }
}
