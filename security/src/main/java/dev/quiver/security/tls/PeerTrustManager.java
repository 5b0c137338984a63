package dev.quiver.security.tls;

import java.net.InetAddress;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust between cluster peers: both sides must present a chain to {@code tls.ca_cert} (mutual TLS),
 * and a peer's server certificate must name the host its URI uses. The host check is done here
 * rather than by the JDK so that compose service names with underscores ({@code qdrant_node_1}, as
 * in Qdrant's files) match their DNS SANs; it follows RFC 6125 otherwise (case-insensitive, a
 * wildcard covers one left-most label, IP addresses match IP SANs only).
 */
final class PeerTrustManager extends X509ExtendedTrustManager {
  private final ReloadingTrustManager cas;

  PeerTrustManager(ReloadingTrustManager cas) {
    this.cas = cas;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    cas.verifyChain(chain, authType, true, ReloadingTrustManager.address(engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    String remote = ReloadingTrustManager.address(engine);
    cas.verifyChain(chain, authType, false, remote);
    String host = engine == null ? null : engine.getPeerHost();
    if (host != null && !names(chain[0], host)) {
      throw ReloadingTrustManager.refused(
          chain,
          remote,
          new CertificateException("the certificate does not name the peer host " + host));
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    cas.verifyChain(chain, authType, true, socket == null ? null : socket.getRemoteSocketAddress());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    cas.verifyChain(
        chain, authType, false, socket == null ? null : socket.getRemoteSocketAddress());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    cas.verifyChain(chain, authType, true, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    cas.verifyChain(chain, authType, false, null);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return cas.getAcceptedIssuers();
  }

  /** Whether the certificate's subject alternative names cover {@code host}. */
  static boolean names(X509Certificate cert, String host) throws CertificateParsingException {
    Collection<List<?>> sans = cert.getSubjectAlternativeNames();
    if (sans == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    // gRPC hands over "host:port" as the peer host when it cannot split a name with underscores
    int colon = h.indexOf(':');
    if (colon > 0 && colon == h.lastIndexOf(':') && h.substring(colon + 1).matches("[0-9]+")) {
      h = h.substring(0, colon);
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    boolean ip = h.contains(":") || h.matches("[0-9.]+");
    for (List<?> san : sans) {
      int type = (Integer) san.get(0);
      String value = String.valueOf(san.get(1)).toLowerCase(Locale.ROOT);
      if (ip && type == 7 && sameIp(value, h)) {
        return true;
      }
      if (!ip && type == 2 && dnsMatches(value, h)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameIp(String a, String b) {
    try {
      return InetAddress.ofLiteral(a).equals(InetAddress.ofLiteral(b));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean dnsMatches(String pattern, String host) {
    if (pattern.startsWith("*.")) {
      int dot = host.indexOf('.');
      return dot > 0 && host.substring(dot + 1).equals(pattern.substring(2));
    }
    return pattern.equals(host);
  }
}
