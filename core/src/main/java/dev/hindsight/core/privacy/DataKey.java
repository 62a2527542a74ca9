package dev.hindsight.core.privacy;

import dev.hindsight.core.CorruptionException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * One subject's unwrapped data key: encrypts and decrypts field values in the {@code enc:v1:} envelope (format: this
 * package's {@code package-info}). Thread-safe (a new {@link Cipher} per call).
 */
final class DataKey {
    static final String PREFIX = "enc:v1:";
    private static final int TAG_BITS = 128;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final String keyId;
    private final SecretKeySpec aesKey;
    private final byte[] nonceKey;
    private final byte[] aad;

    DataKey(String keyId, byte[] key) {
        this.keyId = keyId;
        this.aesKey = new SecretKeySpec(key, "AES");
        this.nonceKey = MasterKey.hmac(key, "hindsight field-nonce v1");
        this.aad = (PREFIX + keyId).getBytes(StandardCharsets.US_ASCII);
    }

    String keyId() {
        return keyId;
    }

    /** The key id an envelope names, or null if {@code value} is not one. */
    static @Nullable String keyIdOf(String value) {
        if (!value.startsWith(PREFIX)) {
            return null;
        }
        int colon = value.indexOf(':', PREFIX.length());
        return colon < 0 ? null : value.substring(PREFIX.length(), colon);
    }

    /**
     * Encrypts {@code plaintext}. With an event id the nonce is derived from (event id, path, plaintext), so the same
     * event appended twice encrypts to the same text; a different plaintext gets a different nonce.
     */
    String encrypt(String plaintext, @Nullable UUID eventId, String path, MasterKey random) {
        byte[] plain = plaintext.getBytes(StandardCharsets.UTF_8);
        byte[] nonce;
        if (eventId == null) {
            nonce = random.randomBytes(MasterKey.NONCE_BYTES);
        } else {
            byte[] input = (eventId + "\n" + path + "\n" + plaintext).getBytes(StandardCharsets.UTF_8);
            nonce = Arrays.copyOf(MasterKey.hmac(nonceKey, input), MasterKey.NONCE_BYTES);
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            byte[] ct = c.doFinal(plain);
            byte[] out = Arrays.copyOf(nonce, nonce.length + ct.length);
            System.arraycopy(ct, 0, out, nonce.length, ct.length);
            return PREFIX + keyId + ":" + B64.encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /**
     * Decrypts an envelope of this key.
     *
     * @throws CorruptionException if it does not authenticate
     */
    String decrypt(String envelope) {
        byte[] raw;
        try {
            raw = B64D.decode(envelope.substring(PREFIX.length() + keyId.length() + 1));
        } catch (IllegalArgumentException e) {
            throw new CorruptionException("malformed encrypted field of key " + keyId);
        }
        if (raw.length < MasterKey.NONCE_BYTES + TAG_BITS / 8) {
            throw new CorruptionException("truncated encrypted field of key " + keyId);
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, aesKey, new GCMParameterSpec(TAG_BITS, raw, 0, MasterKey.NONCE_BYTES));
            c.updateAAD(aad);
            return new String(
                    c.doFinal(raw, MasterKey.NONCE_BYTES, raw.length - MasterKey.NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new CorruptionException("encrypted field of key " + keyId + " does not authenticate");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }
}
