package dev.hindsight.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Making and hashing token secrets. Stateless, thread-safe. */
public final class TokenSecrets {
    /** Every token starts with this, so that it is recognisable in a leaked config file. */
    public static final String PREFIX = "hs_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private TokenSecrets() {}

    /** A new secret: {@value #PREFIX} then 256 random bits in URL-safe base64. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Lowercase hex SHA-256 of the secret's UTF-8 bytes. */
    public static String hash(String secret) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Checks a token name: 1-64 characters, letters, digits, {@code . _ -}, starting with a letter or digit.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid token name '" + name
                    + "': 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }
}
