package dev.quiver.security.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Trusts the certificates of a CA bundle, which can be replaced while serving. A refused
 * certificate is logged with the remote address and subject (never with key material), so an
 * operator sees which peer or client was turned away. Thread-safe.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
  private static final Logger LOG = LogManager.getLogger(ReloadingTrustManager.class);
  private volatile X509ExtendedTrustManager delegate;

  ReloadingTrustManager(List<X509Certificate> cas) {
    update(cas);
  }

  void update(List<X509Certificate> cas) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        ks.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      delegate = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsMaterialException("cannot use the CA certificates: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checked(chain, remote(socket), d -> d.checkClientTrusted(chain, authType, socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checked(chain, remote(socket), d -> d.checkServerTrusted(chain, authType, socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checked(chain, address(engine), d -> d.checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checked(chain, address(engine), d -> d.checkServerTrusted(chain, authType, engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    checked(chain, null, d -> d.checkClientTrusted(chain, authType));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    checked(chain, null, d -> d.checkServerTrusted(chain, authType));
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  /**
   * Checks only that {@code chain} leads to a trusted CA, without matching a host name (the caller
   * does that its own way); a refusal is logged with {@code remote}.
   */
  void verifyChain(X509Certificate[] chain, String authType, boolean client, Object remote)
      throws CertificateException {
    checked(
        chain,
        remote,
        d -> {
          if (client) {
            d.checkClientTrusted(chain, authType);
          } else {
            d.checkServerTrusted(chain, authType);
          }
        });
  }

  /**
   * Why {@code chain} does not lead to one of the current CAs as a client certificate, or null when
   * it does. Nothing is logged: the node asks this of its own certificate at start.
   */
  String whyNotTrusted(X509Certificate[] chain) {
    try {
      delegate.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
      return null;
    } catch (CertificateException e) {
      return e.getMessage();
    }
  }

  private interface Check {
    void run(X509ExtendedTrustManager delegate) throws CertificateException;
  }

  /** Runs a check against the current CAs; a refusal is logged with {@code remote}. */
  private void checked(X509Certificate[] chain, Object remote, Check check)
      throws CertificateException {
    try {
      check.run(delegate);
    } catch (CertificateException e) {
      throw refused(chain, remote, e);
    }
  }

  private static Object remote(Socket socket) {
    return socket == null ? null : socket.getRemoteSocketAddress();
  }

  /**
   * The engine's peer; null on the server side, where engines do not know it (the transport logs
   * its failed handshakes with the address, see the cluster's P2P connection log).
   */
  static String address(SSLEngine engine) {
    if (engine == null || engine.getPeerHost() == null) {
      return null;
    }
    // grpc's client engines carry the whole authority as the host and no port
    return engine.getPeerPort() < 0
        ? engine.getPeerHost()
        : engine.getPeerHost() + ":" + engine.getPeerPort();
  }

  static CertificateException refused(
      X509Certificate[] chain, Object remote, CertificateException e) {
    String subject =
        chain == null || chain.length == 0
            ? "no certificate"
            : chain[0].getSubjectX500Principal().getName();
    if (remote == null) {
      LOG.warn("TLS: refused the certificate {}: {}", subject, e.getMessage());
    } else {
      LOG.warn("TLS: refused the certificate of {} ({}): {}", remote, subject, e.getMessage());
    }
    return e;
  }
}
