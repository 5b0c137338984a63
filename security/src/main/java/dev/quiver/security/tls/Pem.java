package dev.quiver.security.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads PEM certificates and private keys (PKCS#8, PKCS#1 RSA and SEC1 EC), and checks that a key
 * belongs to a certificate. Errors name the setting and the file. Stateless.
 */
final class Pem {
  private Pem() {}

  static List<X509Certificate> certificates(String setting, Path file) {
    List<X509Certificate> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      Object o;
      while ((o = p.readObject()) != null) {
        if (o instanceof X509CertificateHolder h) {
          out.add(new JcaX509CertificateConverter().getCertificate(h));
        }
      }
    } catch (NoSuchFileException e) {
      throw new TlsMaterialException(setting + ": file " + file + " does not exist");
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new TlsMaterialException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new TlsMaterialException(setting + ": " + file + " holds no PEM certificate");
    }
    return out;
  }

  static PrivateKey privateKey(String setting, Path file) {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      Object o;
      while ((o = p.readObject()) != null) {
        JcaPEMKeyConverter c = new JcaPEMKeyConverter();
        if (o instanceof PrivateKeyInfo info) { // PKCS#8
          return c.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) { // PKCS#1 RSA or SEC1 EC
          return c.getKeyPair(pair).getPrivate();
        }
      }
    } catch (NoSuchFileException e) {
      throw new TlsMaterialException(setting + ": file " + file + " does not exist");
    } catch (IOException | RuntimeException e) {
      throw new TlsMaterialException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
    }
    throw new TlsMaterialException(
        setting + ": " + file + " holds no unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1)");
  }

  /** Fails unless {@code key} signs what the certificate's public key verifies. */
  static void checkPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
    PublicKey pub = cert.getPublicKey();
    String alg =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC", "ECDSA" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    boolean ok;
    try {
      if (alg == null) {
        ok = key.getAlgorithm().equals(pub.getAlgorithm());
      } else {
        byte[] probe = "quiver key check".getBytes(StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        v.initVerify(pub);
        v.update(probe);
        ok = v.verify(sig);
      }
    } catch (GeneralSecurityException e) {
      ok = false;
    }
    if (!ok) {
      throw new TlsMaterialException(
          "tls.key " + keyFile + " does not match the certificate in tls.cert " + certFile);
    }
  }
}
