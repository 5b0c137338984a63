package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS and gRPC over TLS with certificates made at test time, reload, client certificates. */
class TlsIT {
  static final String KEY = "tls-it-api-key";

  @TempDir Path work;
  QuiverProcess node;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private TestPki pki() throws Exception {
    return TestPki.nodeTls(work);
  }

  static X509Certificate read(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /**
   * A fresh client context (no session reuse) trusting {@code ca}, optionally with a client cert.
   */
  static SSLContext context(Path ca, Path clientCert, Path clientKey) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", read(ca));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (clientCert != null) {
      Path p12 = clientCert.resolveSibling(clientCert.getFileName() + ".p12");
      TestPki.openssl(
          clientCert.getParent(),
          "pkcs12",
          "-export",
          "-in",
          clientCert.toString(),
          "-inkey",
          clientKey.toString(),
          "-out",
          p12.toString(),
          "-passout",
          "pass:pw");
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(p12)) {
        ks.load(in, "pw".toCharArray());
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, "pw".toCharArray());
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  /** The serial number of the certificate a fresh handshake on {@code port} presents. */
  static BigInteger servedSerial(int port, Path ca) throws Exception {
    try (SSLSocket s =
        (SSLSocket) context(ca, null, null).getSocketFactory().createSocket("127.0.0.1", port)) {
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private QuiverProcess startTls(Map<String, String> extra) throws Exception {
    return startTls(extra, null);
  }

  private QuiverProcess startTls(Map<String, String> extra, Path[] probeCert) throws Exception {
    var env =
        QuiverProcess.env(
            "QDRANT__SERVICE__ENABLE_TLS",
            "true",
            "QDRANT__SERVICE__API_KEY",
            KEY,
            "QDRANT__TLS__CERT_TTL",
            "1");
    env.putAll(extra);
    Path ca = work.resolve("tls/cacert.pem");
    node =
        new QuiverProcess(work, env)
            .tls(
                ca,
                probeCert == null ? null : probeCert[0],
                probeCert == null ? null : probeCert[1])
            .start();
    return node;
  }

  static QdrantClient grpcClient(int port, Path ca, Path cert, Path key) throws Exception {
    var ssl = GrpcSslContexts.forClient().trustManager(ca.toFile());
    if (cert != null) {
      ssl.keyManager(cert.toFile(), key.toFile());
    }
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(ssl.build()).build();
    return new QdrantClient(QdrantGrpcClient.newBuilder(ch, true, false).withApiKey(KEY).build());
  }

  @Test
  void httpsGrpcTlsAndCertificateReload() throws Exception {
    TestPki pki = pki();
    Path ca = work.resolve("tls/cacert.pem");
    startTls(Map.of());

    // curl with the CA, as the security guide shows
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--cacert",
                ca.toString(),
                "https://localhost:" + node.httpPort + "/collections",
                "-H",
                "api-key: " + KEY)
            .redirectErrorStream(true)
            .start();
    String curlOut = new String(curl.getInputStream().readAllBytes());
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(curlOut).contains("\"collections\"");

    HttpClient https = HttpClient.newBuilder().sslContext(context(ca, null, null)).build();
    var r =
        https.send(
            HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + node.httpPort + "/collections"))
                .header("api-key", KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);

    // plain HTTP to the TLS port fails, and the server keeps serving
    HttpClient plain =
        HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
    assertThatThrownBy(
            () ->
                plain.send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + node.httpPort + "/collections"))
                        .timeout(java.time.Duration.ofSeconds(10))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);
    assertThat(
            https
                .send(
                    HttpRequest.newBuilder(
                            URI.create("https://127.0.0.1:" + node.httpPort + "/healthz"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);

    // the official client over TLS with an API key
    try (QdrantClient client = grpcClient(node.grpcPort, ca, null, null)) {
      assertThat(client.listCollectionsAsync().get(30, TimeUnit.SECONDS)).isEmpty();
    }

    // rotate the files: new handshakes on both ports get the new certificate, no restart
    BigInteger before = servedSerial(node.httpPort, ca);
    assertThat(servedSerial(node.grpcPort, ca)).isEqualTo(before);
    Path[] next = pki.issue("cacert", "server2", "localhost", "ec");
    BigInteger expected = read(next[0]).getSerialNumber();
    assertThat(expected).isNotEqualTo(before);
    Files.copy(next[1], work.resolve("tls/key.pem.new"));
    Files.copy(next[0], work.resolve("tls/cert.pem.new"));
    Files.move(
        work.resolve("tls/key.pem.new"),
        work.resolve("tls/key.pem"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    Files.move(
        work.resolve("tls/cert.pem.new"),
        work.resolve("tls/cert.pem"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    Eventually.within(15, () -> assertThat(servedSerial(node.httpPort, ca)).isEqualTo(expected));
    assertThat(servedSerial(node.grpcPort, ca)).isEqualTo(expected);

    // a broken file keeps the current certificate and logs an error
    Files.writeString(
        work.resolve("tls/cert.pem"),
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    Eventually.within(
        20,
        () ->
            assertThat(node.log())
                .contains("TLS reload failed, still serving the previous certificate"));
    assertThat(servedSerial(node.httpPort, ca)).isEqualTo(expected);
  }

  @Test
  void clientCertificatesOnRestAndGrpc() throws Exception {
    TestPki pki = pki();
    Path ca = work.resolve("tls/cacert.pem");
    Path[] good = pki.issue("cacert", "client", "app", "ec");
    pki.ca("otherca");
    Path[] foreign = pki.issue("otherca", "intruder", "app", "rsa");
    startTls(Map.of("QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE", "true"), good);
    String url = "https://127.0.0.1:" + node.httpPort + "/collections";

    HttpClient withCert = HttpClient.newBuilder().sslContext(context(ca, good[0], good[1])).build();
    assertThat(
            withCert
                .send(
                    HttpRequest.newBuilder(URI.create(url)).header("api-key", KEY).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    assertThat(
            withCert
                .send(
                    HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .as("a certificate is no credential: the API key is still required")
        .isEqualTo(401);
    for (SSLContext bad :
        new SSLContext[] {context(ca, null, null), context(ca, foreign[0], foreign[1])}) {
      HttpClient c = HttpClient.newBuilder().sslContext(bad).build();
      assertThatThrownBy(
              () ->
                  c.send(
                      HttpRequest.newBuilder(URI.create(url)).header("api-key", KEY).build(),
                      HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(java.io.IOException.class);
    }
    try (QdrantClient ok = grpcClient(node.grpcPort, ca, good[0], good[1])) {
      assertThat(ok.listCollectionsAsync().get(30, TimeUnit.SECONDS)).isEmpty();
    }
    for (Path[] creds : new Path[][] {{null, null}, foreign}) {
      try (QdrantClient refused = grpcClient(node.grpcPort, ca, creds[0], creds[1])) {
        assertThatThrownBy(() -> refused.listCollectionsAsync().get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(io.grpc.StatusRuntimeException.class)
            .hasMessageContaining("UNAVAILABLE");
      }
    }
    assertThat(
            withCert
                .send(
                    HttpRequest.newBuilder(URI.create(url)).header("api-key", KEY).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .as("still serving")
        .isEqualTo(200);
  }

  private StartupIT.Run startExpectingFailure(Map<String, String> env) throws Exception {
    var all = QuiverProcess.env("QDRANT__SERVICE__ENABLE_TLS", "true");
    all.putAll(env);
    return StartupIT.run(work, all);
  }

  @Test
  void keyFormatsAndMisconfiguration() throws Exception {
    TestPki pki = pki();
    Path ca = work.resolve("tls/cacert.pem");
    for (String kind : new String[] {"rsa1", "ec"}) {
      Path[] c = pki.issue("cacert", "s-" + kind, "localhost", kind);
      node =
          new QuiverProcess(
                  work,
                  QuiverProcess.env(
                      "QDRANT__SERVICE__ENABLE_TLS",
                      "true",
                      "QDRANT__TLS__CERT",
                      c[0].toString(),
                      "QDRANT__TLS__KEY",
                      c[1].toString()))
              .tls(ca)
              .start();
      assertThat(servedSerial(node.httpPort, ca)).isEqualTo(read(c[0]).getSerialNumber());
      node.close();
      node = null;
    }
    // without client verification the CA file is optional
    node =
        new QuiverProcess(
                work,
                QuiverProcess.env(
                    "QDRANT__SERVICE__ENABLE_TLS",
                    "true",
                    "QDRANT__TLS__CA_CERT",
                    "tls/no-such-ca.pem"))
            .tls(ca)
            .start();
    node.close();
    node = null;
    Path[] other = pki.issue("cacert", "other", "localhost", "rsa");
    var missing = startExpectingFailure(Map.of("QDRANT__TLS__CERT", "tls/nope.pem"));
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.output())
        .contains("tls.cert")
        .contains("nope.pem")
        .contains("does not exist");
    var mismatch = startExpectingFailure(Map.of("QDRANT__TLS__KEY", other[1].toString()));
    assertThat(mismatch.output()).contains("does not match the certificate");
    Files.writeString(work.resolve("tls/garbage.pem"), "hello");
    var garbage =
        startExpectingFailure(
            Map.of("QDRANT__TLS__KEY", work.resolve("tls/garbage.pem").toString()));
    assertThat(garbage.output()).contains("tls.key").contains("garbage.pem");
    var noCa =
        startExpectingFailure(
            Map.of(
                "QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE",
                "true",
                "QDRANT__TLS__CA_CERT",
                "tls/absent-ca.pem"));
    assertThat(noCa.output()).contains("tls.ca_cert").contains("absent-ca.pem");
    for (var r : new StartupIT.Run[] {missing, mismatch, garbage, noCa}) {
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.output()).doesNotContain("\tat ").doesNotContain("PRIVATE KEY");
    }
  }
}
