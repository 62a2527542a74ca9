package dev.hindsight.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates made at test time with the JDK's {@code keytool} (valid two days, for {@code localhost} and
 * {@code 127.0.0.1}), written as PEM: nothing that expires is committed.
 */
public final class TestCertificates {
    private TestCertificates() {}

    /**
     * The PEM files of one certificate.
     *
     * @param cert the certificate ({@code CERTIFICATE})
     * @param key its private key as PKCS#8 ({@code PRIVATE KEY})
     * @param pkcs1Key for RSA, the same key as PKCS#1 ({@code RSA PRIVATE KEY}); null for EC
     */
    public record Pems(Path cert, Path key, Path pkcs1Key) {}

    /**
     * Makes a key pair and a self-signed certificate in {@code dir}.
     *
     * @param algorithm {@code RSA} or {@code EC}
     */
    public static Pems selfSigned(Path dir, String algorithm) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path store = dir.resolve(algorithm.toLowerCase(java.util.Locale.ROOT) + ".p12");
        Files.deleteIfExists(store);
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                algorithm,
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit"));
        cmd.addAll(algorithm.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, "changeit".toCharArray());
            PrivateKey key = (PrivateKey) ks.getKey("server", "changeit".toCharArray());
            Certificate cert = ks.getCertificate("server");
            String base = algorithm.toLowerCase(java.util.Locale.ROOT);
            Path certPem = write(dir.resolve(base + "-cert.pem"), "CERTIFICATE", cert.getEncoded());
            Path keyPem = write(dir.resolve(base + "-key.pem"), "PRIVATE KEY", key.getEncoded());
            Path pkcs1 = algorithm.equals("RSA")
                    ? write(dir.resolve(base + "-key-pkcs1.pem"), "RSA PRIVATE KEY", innerKey(key.getEncoded()))
                    : write(
                            dir.resolve(base + "-key-sec1.pem"),
                            "EC PRIVATE KEY",
                            withCurve(innerKey(key.getEncoded())));
            return new Pems(certPem, keyPem, pkcs1);
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static Path write(Path file, String type, byte[] der) throws IOException {
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n");
        return file;
    }

    /** The OCTET STRING of a PKCS#8 {@code PrivateKeyInfo}: for RSA, the PKCS#1 key. */
    private static byte[] innerKey(byte[] pkcs8) {
        int[] p = {0};
        p[0]++; // SEQUENCE
        length(pkcs8, p);
        p[0]++; // INTEGER version
        int version = length(pkcs8, p);
        p[0] += version;
        p[0]++; // SEQUENCE algorithm
        int algorithm = length(pkcs8, p);
        p[0] += algorithm;
        p[0]++; // OCTET STRING
        int len = length(pkcs8, p);
        return Arrays.copyOfRange(pkcs8, p[0], p[0] + len);
    }

    /** SEC1 {@code ECPrivateKey} with {@code [0] secp256r1} added after the private key (openssl's form). */
    private static byte[] withCurve(byte[] sec1) {
        int[] p = {0};
        p[0]++; // SEQUENCE
        length(sec1, p);
        int contentStart = p[0];
        p[0]++; // INTEGER 1
        int version = length(sec1, p);
        p[0] += version;
        p[0]++; // OCTET STRING d
        int d = length(sec1, p);
        p[0] += d;
        byte[] curve = java.util.HexFormat.of().parseHex("a00a06082a8648ce3d030107");
        java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
        content.write(sec1, contentStart, p[0] - contentStart);
        content.writeBytes(curve);
        content.write(sec1, p[0], sec1.length - p[0]); // [1] public key, if any
        byte[] c = content.toByteArray();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x30);
        if (c.length < 0x80) {
            out.write(c.length);
        } else {
            out.write(0x81);
            out.write(c.length);
        }
        out.writeBytes(c);
        return out.toByteArray();
    }

    private static int length(byte[] der, int[] p) {
        int first = der[p[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int len = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            len = (len << 8) | (der[p[0]++] & 0xff);
        }
        return len;
    }
}
