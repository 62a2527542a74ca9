package dev.hindsight.server;

import dev.hindsight.server.internal.Pem;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS material from PEM files, for the server ({@link #keyStore}) and its clients ({@link #trusting}). Stateless. */
public final class Tls {
    /** The password of the in-memory key stores; they never leave the process. */
    static final char[] PASSWORD = "hindsight".toCharArray();

    private Tls() {}

    /**
     * An in-memory key store holding the key of {@code keyFile} and the certificate chain of {@code certFile} (leaf
     * first), password {@link #PASSWORD}.
     *
     * @throws IllegalArgumentException if a file cannot be read or parsed, or the key does not match the certificate
     */
    static KeyStore keyStore(Path certFile, Path keyFile) {
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile);
        if (!chain.getFirst().getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            throw new IllegalArgumentException("the key in " + keyFile + " (" + key.getAlgorithm()
                    + ") does not belong to the certificate in " + certFile + " ("
                    + chain.getFirst().getPublicKey().getAlgorithm() + ")");
        }
        checkPair(chain.getFirst(), key, certFile, keyFile);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("hindsight", key, PASSWORD, chain.toArray(X509Certificate[]::new));
            return ks;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot use " + certFile + " and " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** Signs with the key and verifies with the certificate: a key of another certificate fails here, not at the
     * first handshake. */
    private static void checkPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] probe = "hindsight".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            if (verify.verify(sign.sign())) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "the key in " + keyFile + " does not belong to the first certificate in " + certFile);
    }

    /**
     * A client TLS context that trusts the certificates of a PEM file (e.g. a self-signed server certificate or a
     * private CA) instead of the JVM's default authorities.
     *
     * @throws IllegalArgumentException if the file cannot be read or holds no certificate
     */
    public static SSLContext trusting(Path caFile) {
        List<X509Certificate> certs = Pem.certificates(caFile);
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < certs.size(); i++) {
                trust.setCertificateEntry("ca-" + i, certs.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot trust " + caFile + ": " + e.getMessage(), e);
        }
    }
}
