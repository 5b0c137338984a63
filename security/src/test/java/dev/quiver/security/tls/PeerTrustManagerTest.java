package dev.quiver.security.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class PeerTrustManagerTest {

  static X509Certificate cert(GeneralName... sans) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair kp = g.generateKeyPair();
    var b =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=peer"),
            BigInteger.ONE,
            new Date(System.currentTimeMillis() - 60_000),
            new Date(System.currentTimeMillis() + 3_600_000),
            new X500Name("CN=peer"),
            kp.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
  }

  @Test
  void composeServiceNamesWithUnderscoresMatchTheirSans() throws Exception {
    X509Certificate c =
        cert(
            new GeneralName(GeneralName.dNSName, "qdrant_node_1"),
            new GeneralName(GeneralName.dNSName, "*.quiver-headless.default.svc"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    assertThat(PeerTrustManager.names(c, "qdrant_node_1")).isTrue();
    assertThat(PeerTrustManager.names(c, "QDRANT_NODE_1:6335")).as("host:port from gRPC").isTrue();
    assertThat(PeerTrustManager.names(c, "qdrant_node_2")).isFalse();
    assertThat(PeerTrustManager.names(c, "quiver-1.quiver-headless.default.svc")).isTrue();
    assertThat(PeerTrustManager.names(c, "a.b.quiver-headless.default.svc"))
        .as("a wildcard covers one label")
        .isFalse();
    assertThat(PeerTrustManager.names(c, "127.0.0.1")).isTrue();
    assertThat(PeerTrustManager.names(c, "127.0.0.2")).isFalse();
    assertThat(
            PeerTrustManager.names(
                cert(new GeneralName(GeneralName.dNSName, "127.0.0.1")), "127.0.0.1"))
        .as("an IP only matches an IP SAN")
        .isFalse();
  }
}
