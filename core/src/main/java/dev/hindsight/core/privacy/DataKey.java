package dev.hindsight.core.privacy;

import dev.hindsight.core.CorruptionException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * One subject's unwrapped data key: encrypts and decrypts field values in the {@code enc:v1:} envelope (format: this
 * package's {@code package-info}). Thread-safe: a decryption takes a {@link Cipher} from a shared pool (looking one up
 * costs more than decrypting a short field), an encryption a new one.
 */
final class DataKey {
    static final String PREFIX = "enc:v1:";
    private static final int TAG_BITS = 128;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final int POOLED = 64;
    private static final Queue<Cipher> CIPHERS = new ConcurrentLinkedQueue<>();

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

    private static Cipher cipher() {
        Cipher c = CIPHERS.poll();
        if (c != null) {
            return c;
        }
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Returns a cipher that completed its operation (one that failed is dropped); the pool keeps at most 64. */
    private static void release(Cipher c) {
        if (CIPHERS.size() < POOLED) {
            CIPHERS.offer(c);
        }
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
            // Not pooled: GCM refuses to re-init a cipher for encryption with the key and nonce of its last use,
            // which a retried append of the same event (same derived nonce) would do.
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
        Cipher c = cipher();
        try {
            c.init(Cipher.DECRYPT_MODE, aesKey, new GCMParameterSpec(TAG_BITS, raw, 0, MasterKey.NONCE_BYTES));
            c.updateAAD(aad);
            String plain = new String(
                    c.doFinal(raw, MasterKey.NONCE_BYTES, raw.length - MasterKey.NONCE_BYTES), StandardCharsets.UTF_8);
            release(c);
            return plain;
        } catch (javax.crypto.AEADBadTagException e) {
            throw new CorruptionException("encrypted field of key " + keyId + " does not authenticate");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }
}
