package dev.quiver.security.tls;

import static org.assertj.core.api.Assertions.assertThat;

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
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair kp = g.generateKeyPair();
    var b =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=node"),
            BigInteger.TWO,
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name("CN=node"),
            kp.getPublic());
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    return new Material(cert, kp);
  }

  private TlsContexts load(Material m) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    for (var e :
        new Object[][] {
          {cert, m.cert()}, {key, new JcaPKCS8Generator(m.keys().getPrivate(), null)}
        }) {
      StringWriter w = new StringWriter();
      try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
        pem.writeObject(e[1]);
      }
      Files.writeString((Path) e[0], w.toString());
    }
    return TlsContexts.load(new TlsSettings(cert, key, null, null, false), SslProvider.JDK, null);
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
