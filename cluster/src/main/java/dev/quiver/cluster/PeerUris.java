package dev.quiver.cluster;

import java.net.URI;

/**
 * Host and port of a peer URI ({@code --uri}, {@code --bootstrap}). Compose service names such as
 * {@code qdrant_node_1} contain underscores, which {@link URI#getHost()} rejects (it returns null
 * for such registry-based authorities), so the authority is split here instead. Stateless (static
 * methods only), so thread-safe.
 */
public final class PeerUris {
  private PeerUris() {}

  /**
   * {@code host:port} of {@code uri}.
   *
   * @throws IllegalArgumentException when the URI has no host or no port
   */
  public static String hostPort(URI uri) {
    String authority = uri.getRawAuthority();
    if (authority == null || authority.contains("@")) {
      throw new IllegalArgumentException("peer URI " + uri + " needs a host and a port");
    }
    int colon = authority.lastIndexOf(':');
    if (colon <= 0 || colon == authority.length() - 1 || authority.endsWith("]")) {
      throw new IllegalArgumentException("peer URI " + uri + " needs a host and a port");
    }
    String host = authority.substring(0, colon);
    String port = authority.substring(colon + 1);
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("peer URI " + uri + " has a bad port " + port);
    }
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("peer URI " + uri + " has a bad port " + port);
    }
    return host + ":" + p;
  }

  /**
   * The host of {@code uri}, underscores allowed, or null when the URI has no authority. Unlike
   * {@link #hostPort}, the port may be missing.
   */
  public static String host(URI uri) {
    if (uri.getHost() != null) {
      return uri.getHost();
    }
    String authority = uri.getRawAuthority();
    if (authority == null) {
      return null;
    }
    int at = authority.lastIndexOf('@');
    String hostPort = authority.substring(at + 1);
    int colon = hostPort.lastIndexOf(':');
    String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
    return host.isEmpty() ? null : host;
  }
}
