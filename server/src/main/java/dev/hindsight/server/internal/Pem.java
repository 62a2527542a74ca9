package dev.hindsight.server.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files with the JDK alone: X.509 certificates, and private keys as PKCS#8 ({@code PRIVATE KEY}, RSA or EC),
 * PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}, with its curve), the forms {@code openssl} and
 * certificate authorities write. Encrypted keys are refused with a message saying how to decrypt them. Stateless.
 */
public final class Pem {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
    private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

    private Pem() {}

    /**
     * The certificates in a PEM file, leaf first as written.
     *
     * @throws IllegalArgumentException if the file cannot be read or holds no certificate
     */
    public static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not a valid PEM certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no '-----BEGIN CERTIFICATE-----' block");
        }
        return out;
    }

    /**
     * The private key in a PEM file (RSA or EC).
     *
     * @throws IllegalArgumentException if the file cannot be read, holds no key, or an encrypted one
     */
    public static PrivateKey privateKey(Path file) {
        for (Block b : blocks(file)) {
            try {
                switch (b.type()) {
                    case "PRIVATE KEY" -> {
                        return pkcs8(b.der(), file);
                    }
                    case "RSA PRIVATE KEY" -> {
                        return KeyFactory.getInstance("RSA")
                                .generatePrivate(new PKCS8EncodedKeySpec(wrap(RSA_ALGORITHM, b.der())));
                    }
                    case "EC PRIVATE KEY" -> {
                        byte[] algorithm = sequence(concat(EC_PUBLIC_KEY_OID, sec1Curve(b.der(), file)));
                        return KeyFactory.getInstance("EC")
                                .generatePrivate(new PKCS8EncodedKeySpec(wrap(algorithm, b.der())));
                    }
                    case "ENCRYPTED PRIVATE KEY" ->
                        throw new IllegalArgumentException(file + ": the key is encrypted; decrypt it first (openssl"
                                + " pkey -in " + file + " -out key.pem) and keep that file readable by this user"
                                + " only");
                    default -> {
                        // certificates and parameters beside the key
                    }
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(file + ": not a valid " + b.type() + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(
                file + ": no private key ('-----BEGIN PRIVATE KEY-----', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY')");
    }

    private static PrivateKey pkcs8(byte[] der, Path file) throws GeneralSecurityException {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException(file + " holds neither an RSA nor an EC key");
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": bad base64 in a " + m.group(1) + " block", e);
            }
        }
        return out;
    }

    /** The curve OID (whole TLV) in the {@code [0]} parameters of a SEC1 {@code ECPrivateKey}. */
    private static byte[] sec1Curve(byte[] der, Path file) {
        int[] p = {0};
        expect(der, p, 0x30, file);
        readLength(der, p);
        while (p[0] < der.length) {
            int tag = der[p[0]++] & 0xff;
            int len = readLength(der, p);
            if (tag == 0xa0) {
                byte[] oid = new byte[len];
                System.arraycopy(der, p[0], oid, 0, len);
                return oid;
            }
            p[0] += len;
        }
        throw new IllegalArgumentException(file + ": the EC key does not name its curve; convert it to PKCS#8 (openssl"
                + " pkcs8 -topk8 -nocrypt)");
    }

    private static void expect(byte[] der, int[] p, int tag, Path file) {
        if (der.length == 0 || (der[p[0]++] & 0xff) != tag) {
            throw new IllegalArgumentException(file + ": malformed key (DER)");
        }
    }

    private static int readLength(byte[] der, int[] p) {
        int first = der[p[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int n = first & 0x7f;
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (der[p[0]++] & 0xff);
        }
        return len;
    }

    /** PKCS#8 {@code PrivateKeyInfo}: version 0, the algorithm identifier, the key as an OCTET STRING. */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        return sequence(concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
    }

    private static byte[] sequence(byte[] content) {
        return tlv(0x30, content);
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
