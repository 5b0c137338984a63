package dev.quiver.security.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslProvider;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsContextsTest {
  @TempDir Path dir;

  private record Material(X509Certificate cert, KeyPair keys) {}

  private static Material selfSigned(Instant notBefore, Instant notAfter) throws Exception {
    return issued("CN=node", null, notBefore, notAfter);
  }

  /** A certificate for {@code subject}, signed by {@code issuer} (self-signed when null). */
  private static Material issued(
      String subject, Material issuer, Instant notBefore, Instant notAfter) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair kp = g.generateKeyPair();
    var b =
        new JcaX509v3CertificateBuilder(
            issuer == null
                ? new X500Name(subject)
                : new X500Name(issuer.cert().getSubjectX500Principal().getName()),
            BigInteger.TWO,
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name(subject),
            kp.getPublic());
    if (issuer == null) {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    }
    KeyPair signer = issuer == null ? kp : issuer.keys();
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    return new Material(cert, kp);
  }

  private void write(Path file, Object pemObject) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(pemObject);
    }
    Files.writeString(file, w.toString());
  }

  private TlsContexts load(Material m) throws Exception {
    return load(m, null);
  }

  private TlsContexts load(Material m, Material ca) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Path caCert = ca == null ? null : dir.resolve("cacert.pem");
    write(cert, m.cert());
    write(key, new JcaPKCS8Generator(m.keys().getPrivate(), null));
    if (ca != null) {
      write(caCert, ca.cert());
    }
    return TlsContexts.load(new TlsSettings(cert, key, caCert, null, false), SslProvider.JDK, null);
  }

  /**
   * The security guide's commands make a self-signed {@code cert.pem} and, separately, a {@code
   * cacert.pem}: peers verifying each other against that CA refuse every handshake. The node says
   * so at start, naming both files, instead of each peer logging refusals.
   */
  @Test
  void aPeerCertificateTheCaDidNotSignIsRefusedAtStart() throws Exception {
    Instant now = Instant.now();
    Instant later = now.plus(Duration.ofDays(90));
    Material ca = issued("CN=Qdrant-CA", null, now.minusSeconds(60), later);
    try (TlsContexts tls = load(selfSigned(now.minusSeconds(60), later), ca)) {
      assertThatThrownBy(tls::peerTls)
          .isInstanceOf(TlsMaterialException.class)
          .hasMessageContaining("(CN=node, self-signed) is not signed by tls.ca_cert")
          .hasMessageContaining("cacert.pem (CN=Qdrant-CA)");
      // the public ports do not need the CA to have signed the node's certificate
      assertThat(tls.httpServer()).isNotNull();
    }
    try (TlsContexts tls = load(issued("CN=node", ca, now.minusSeconds(60), later), ca)) {
      assertThat(tls.peerTls()).isNotNull();
    }
  }

  /**
   * REST offered TLS 1.2 suites without forward secrecy (RSA key exchange) and CBC/SHA-1 ones; both
   * ports now offer TLS 1.3's and ECDHE with AEAD only, the same list.
   */
  @Test
  void restAndGrpcOfferTheSameForwardSecretAeadSuites() throws Exception {
    Instant now = Instant.now();
    try (TlsContexts tls = load(selfSigned(now.minusSeconds(60), now.plus(Duration.ofDays(90))))) {
      var rest = tls.httpServer().cipherSuites();
      var grpc = tls.grpcServer().cipherSuites();
      assertThat(rest).isNotEmpty().containsExactlyInAnyOrderElementsOf(grpc);
      for (String suite : rest) {
        assertThat(suite)
            .as("forward secret AEAD")
            .matches("TLS_(AES|CHACHA20)_.*|TLS_ECDHE_(ECDSA|RSA)_WITH_.*(GCM|POLY1305).*");
      }
      assertThat(tls.certificateNotAfter()).isAfter(now.plus(Duration.ofDays(89)));
    }
  }

  @Test
  void expiredAndSoonExpiringCertificatesAreReported() throws Exception {
    Instant now = Instant.now();
    assertThat(
            TlsContexts.warnIfExpiring(
                selfSigned(now.minus(Duration.ofDays(30)), now.minusSeconds(10)).cert(), now))
        .contains("expired");
    assertThat(
            TlsContexts.warnIfExpiring(
                selfSigned(now.minusSeconds(60), now.plus(Duration.ofDays(3))).cert(), now))
        .contains("expires at");
    assertThat(
            TlsContexts.warnIfExpiring(
                selfSigned(now.minusSeconds(60), now.plus(Duration.ofDays(30))).cert(), now))
        .isNull();
  }
}
