package dev.quiver.security.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Builds every TLS context of a node from one set of files: HTTPS for REST, TLS with ALPN {@code
 * h2} for gRPC, and client contexts for peers. All of them share one {@link ReloadingKeyManager}
 * and one {@link ReloadingTrustManager}, so when {@code cert_ttl} re-reads the files every port's
 * new handshakes get the new certificate; a failed reload keeps the old one and logs an error. The
 * engine is BoringSSL (netty-tcnative) when it loads, else the JDK's, said once in the log. TLS 1.2
 * and 1.3 only. Thread-safe; the node closes it (which stops reloading).
 */
public final class TlsContexts implements AutoCloseable {
  /**
   * The suites every port offers (RFC 7540's acceptable list, as HTTP/2 requires): TLS 1.3's AEAD
   * suites and TLS 1.2's ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only.
   */
  static final List<String> CIPHERS =
      List.of(
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256");

  private static final Logger LOG = LogManager.getLogger(TlsContexts.class);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final TlsSettings settings;
  private final SslProvider provider;
  private final ReloadingKeyManager keyManager;
  private final ReloadingTrustManager trustManager; // null without a CA
  private final ScheduledFuture<?> reloading; // null without cert_ttl
  private volatile byte[] loadedDigest;
  private volatile X509Certificate served;

  /** How long before a certificate's expiry the node warns at start. */
  static final Duration EXPIRY_WARNING = Duration.ofDays(14);

  /**
   * @param timers runs the reload every {@code cert_ttl} seconds (the node's timer thread; unused,
   *     and may be null, without {@code cert_ttl})
   */
  private TlsContexts(TlsSettings settings, SslProvider provider, ScheduledExecutorService timers) {
    this.settings = settings;
    this.provider = provider;
    List<X509Certificate> chain = Pem.certificates("tls.cert", settings.cert());
    PrivateKey key = Pem.privateKey("tls.key", settings.key());
    Pem.checkPair(chain.getFirst(), key, settings.cert(), settings.key());
    this.keyManager = new ReloadingKeyManager(chain, key);
    this.served = chain.getFirst();
    warnIfExpiring(chain.getFirst(), Instant.now());
    if (settings.requireClientCertificate() && settings.caCert() == null) {
      throw new TlsMaterialException(
          "tls.ca_cert must be set when service.verify_https_client_certificate is on");
    }
    this.trustManager =
        settings.caCert() == null
            ? null
            : new ReloadingTrustManager(Pem.certificates("tls.ca_cert", settings.caCert()));
    this.loadedDigest = digest();
    Long ttl = settings.certTtlSeconds();
    if (ttl != null && ttl > 0) {
      reloading = timers.scheduleWithFixedDelay(this::reload, ttl, ttl, TimeUnit.SECONDS);
    } else {
      reloading = null;
    }
  }

  /**
   * Loads and checks the files (missing, unreadable, key not matching the certificate, CA missing
   * for client verification all fail here) and starts reloading every {@code cert_ttl} seconds.
   *
   * @throws TlsMaterialException naming the file and the problem
   */
  public static TlsContexts load(TlsSettings settings, ScheduledExecutorService timers) {
    return new TlsContexts(settings, chooseProvider(), timers);
  }

  /** As {@link #load}, with a given engine (for the benchmark that compares them). */
  public static TlsContexts load(
      TlsSettings settings, SslProvider provider, ScheduledExecutorService timers) {
    return new TlsContexts(settings, provider, timers);
  }

  private static SslProvider chooseProvider() {
    // For the TLS benchmark, which compares the engines: -Ddev.quiver.tls.provider=jdk
    if ("jdk".equalsIgnoreCase(System.getProperty("dev.quiver.tls.provider"))) {
      LOG.info("TLS engine: JDK (forced by dev.quiver.tls.provider)");
      return SslProvider.JDK;
    }
    if (OpenSsl.isAvailable()) {
      LOG.info("TLS engine: BoringSSL ({})", OpenSsl.versionString());
      return SslProvider.OPENSSL;
    }
    Throwable cause = OpenSsl.unavailabilityCause();
    LOG.warn(
        "BoringSSL (netty-tcnative) is not available on this platform ({}); using the JDK TLS engine",
        cause == null ? "unknown reason" : cause.toString());
    return SslProvider.JDK;
  }

  public SslProvider provider() {
    return provider;
  }

  /** When the certificate served now expires (exported in {@code /metrics}). */
  public Instant certificateNotAfter() {
    return served.getNotAfter().toInstant();
  }

  /** Logs an error for an expired certificate and a warning for one expiring within 14 days. */
  static String warnIfExpiring(X509Certificate cert, Instant now) {
    Instant notAfter = cert.getNotAfter().toInstant();
    String name = cert.getSubjectX500Principal().getName();
    if (!notAfter.isAfter(now)) {
      String m = "TLS certificate " + name + " expired at " + notAfter;
      LOG.error("{}: clients will refuse it; replace tls.cert", m);
      return m;
    }
    if (notAfter.isBefore(now.plus(EXPIRY_WARNING))) {
      String m =
          "TLS certificate "
              + name
              + " expires at "
              + notAfter
              + ", in "
              + Duration.between(now, notAfter).toHours()
              + " hours";
      LOG.warn("{}: replace tls.cert (cert_ttl reloads it without a restart)", m);
      return m;
    }
    return null;
  }

  /** HTTPS for REST. */
  public SslContext httpServer() {
    return server(null);
  }

  /** TLS for gRPC: ALPN {@code h2} and HTTP/2's cipher suites. */
  public SslContext grpcServer() {
    return server(
        new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2));
  }

  private SslContext server(ApplicationProtocolConfig alpn) {
    // both ports offer the same suites: TLS 1.3's, and TLS 1.2's ECDHE with AEAD only (forward
    // secrecy; no RSA key exchange, no CBC, no SHA-1 MACs)
    SslContextBuilder b =
        SslContextBuilder.forServer(keyManager)
            .sslProvider(provider)
            .protocols(PROTOCOLS)
            .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
    if (alpn != null) {
      b.applicationProtocolConfig(alpn);
    }
    if (settings.requireClientCertificate()) {
      b.clientAuth(ClientAuth.REQUIRE).trustManager(trustManager);
    }
    try {
      return b.build();
    } catch (SSLException e) {
      throw new TlsMaterialException("cannot build the TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * Key and trust managers for mutual TLS between cluster peers, which always verify each other
   * against {@code tls.ca_cert}. They follow {@code cert_ttl} reloads like the public ports.
   *
   * @throws TlsMaterialException when no CA is configured
   */
  public PeerTls peerTls() {
    if (trustManager == null) {
      throw new TlsMaterialException(
          "tls.ca_cert must be set when cluster.p2p.enable_tls is on: peers verify each other"
              + " against it");
    }
    checkSignedByCa(served);
    return new PeerTls(keyManager, new PeerTrustManager(trustManager));
  }

  /**
   * Refuses a node certificate that {@code tls.ca_cert} did not sign: every peer verifies this node
   * against that CA and would turn it away at each handshake, which is far harder to read in the
   * peers' logs than here. A self-signed {@code cert.pem} beside a separately made {@code
   * cacert.pem} (as a plain {@code openssl req -x509} for each makes) is the usual cause.
   */
  private void checkSignedByCa(X509Certificate cert) {
    List<X509Certificate> chain = Pem.certificates("tls.cert", settings.cert());
    String why = trustManager.whyNotTrusted(chain.toArray(new X509Certificate[0]));
    if (why == null) {
      return;
    }
    X509Certificate[] cas = trustManager.getAcceptedIssuers();
    StringBuilder names = new StringBuilder();
    for (X509Certificate ca : cas) {
      names.append(names.isEmpty() ? "" : "; ").append(ca.getSubjectX500Principal().getName());
    }
    boolean selfSigned = cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal());
    throw new TlsMaterialException(
        "tls.cert "
            + settings.cert()
            + " ("
            + cert.getSubjectX500Principal().getName()
            + (selfSigned
                ? ", self-signed"
                : ", issued by " + cert.getIssuerX500Principal().getName())
            + ") is not signed by tls.ca_cert "
            + settings.caCert()
            + " ("
            + names
            + "): cluster peers verify each other against tls.ca_cert and would all refuse this"
            + " node. Make a node certificate signed by that CA (the commands are in"
            + " docs/operations.md, \"Certificates for a cluster\") ["
            + why
            + "]");
  }

  /**
   * Whether {@code cert}'s subject alternative names cover {@code host} (DNS names with one
   * left-most wildcard label, IP addresses against IP SANs only), as peers check each other.
   */
  public static boolean certificateNames(X509Certificate cert, String host) {
    try {
      return PeerTrustManager.names(cert, host);
    } catch (CertificateParsingException e) {
      return false;
    }
  }

  /** What {@link #peerTls()} hands out: JDK interfaces, usable across Ratis' shaded gRPC. */
  public record PeerTls(X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager) {}

  /** Re-reads the files; swaps the material only when it changed and is valid. */
  void reload() {
    try {
      byte[] now = digest();
      if (Arrays.equals(now, loadedDigest)) {
        return;
      }
      List<X509Certificate> chain = Pem.certificates("tls.cert", settings.cert());
      PrivateKey key = Pem.privateKey("tls.key", settings.key());
      Pem.checkPair(chain.getFirst(), key, settings.cert(), settings.key());
      List<X509Certificate> cas =
          trustManager == null ? null : Pem.certificates("tls.ca_cert", settings.caCert());
      keyManager.update(chain, key);
      served = chain.getFirst();
      if (cas != null) {
        trustManager.update(cas);
      }
      loadedDigest = now;
      LOG.info(
          "TLS certificate reloaded: {} (serial {}, valid until {})",
          chain.getFirst().getSubjectX500Principal().getName(),
          chain.getFirst().getSerialNumber().toString(16),
          chain.getFirst().getNotAfter().toInstant());
    } catch (TlsMaterialException e) {
      LOG.error("TLS reload failed, still serving the previous certificate: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("TLS reload failed, still serving the previous certificate: {}", e.toString());
    }
  }

  private byte[] digest() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path p : new Path[] {settings.cert(), settings.key(), settings.caCert()}) {
        if (p != null && Files.exists(p)) {
          md.update(Files.readAllBytes(p));
        }
        md.update((byte) 0);
      }
      return md.digest();
    } catch (IOException e) {
      return new byte[0]; // unreadable now: let the reload report it
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (reloading != null) {
      reloading.cancel(false);
    }
  }
}
