package dev.quiver.server.recovery;

import dev.quiver.security.Forbidden;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Fetches a snapshot from an {@code http(s)://} recovery location into a local file, streamed to
 * disk (never held in memory), with the request's {@code api_key} as the {@code api-key} header.
 *
 * <p>The node fetches what a manage-rights caller names, so the fetch is fenced: refused entirely
 * unless {@code service.enable_snapshot_url_recovery}; hosts that resolve to loopback, link-local
 * (cloud metadata at 169.254.169.254), private, shared (100.64/10), unique-local or multicast
 * addresses are refused unless {@code snapshot_url_recovery_allow_private} says otherwise. The host
 * is resolved once and the connection goes to the address that was checked ({@link PinnedGet}), so
 * a DNS answer that changes in between (rebinding) cannot redirect it. No redirect is followed;
 * connecting and every pause in the body are bounded by timeouts, and the body by a size cap.
 * Failures to connect, time-outs and unknown hosts all read the same, so the answers do not map the
 * network. Messages name the location without user info, never the key. HTTPS uses the JVM's trust
 * store and verifies the certificate against the host name. Thread-safe.
 */
public final class SnapshotDownloads {
  /** What a node allows; {@code maxBytes} caps one download. */
  public record Policy(
      boolean enabled,
      boolean allowPrivate,
      long maxBytes,
      Duration connectTimeout,
      Duration readTimeout) {}

  /** Host name resolution (the system's resolver in a node; a fixed answer in tests). */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private static final String UNREACHABLE =
      "the download failed (no connection, a time-out, or an unknown host)";

  private final Policy policy;
  private final Resolver resolver;

  public SnapshotDownloads(Policy policy, Resolver resolver) {
    this.policy = policy;
    this.resolver = resolver;
  }

  /** Downloads {@code location} into {@code target} (replaced); refuses what the policy does. */
  public void fetch(URI location, String apiKey, Path target) {
    if (!policy.enabled()) {
      throw new Forbidden(
          "Snapshot recovery from a URL is disabled (service.enable_snapshot_url_recovery)");
    }
    String scheme = location.getScheme();
    if (location.getHost() == null
        || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
      throw new StorageException.BadInput("bad snapshot location " + shown(location));
    }
    InetAddress[] addresses = checkedAddresses(location);
    Map<String, String> headers = apiKey == null ? Map.of() : Map.of("api-key", apiKey);
    for (InetAddress address : addresses) {
      PinnedGet get;
      try {
        get =
            PinnedGet.open(
                location, address, headers, policy.connectTimeout(), policy.readTimeout());
      } catch (IOException e) {
        continue; // the next checked address, if any
      } catch (IllegalArgumentException e) {
        throw new StorageException.BadInput("bad snapshot location " + shown(location));
      }
      try (get) {
        download(get, location, target);
        return;
      } catch (IOException e) {
        throw failed(location, UNREACHABLE);
      }
    }
    throw failed(location, UNREACHABLE);
  }

  private void download(PinnedGet get, URI location, Path target) throws IOException {
    int status = get.status();
    if (status / 100 == 3) {
      throw failed(location, "the server answered a redirect (HTTP " + status + "), not followed");
    }
    if (status / 100 != 2) {
      throw failed(location, "the server answered HTTP " + status);
    }
    if (get.contentLength() > policy.maxBytes()) {
      throw tooLarge(location);
    }
    long total = 0;
    try (InputStream body = get.body();
        OutputStream out = Files.newOutputStream(target)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = body.read(buf)) >= 0) { // each read waits at most the read timeout
        total += n;
        if (total > policy.maxBytes()) {
          throw tooLarge(location);
        }
        out.write(buf, 0, n);
      }
    }
  }

  /**
   * The host's addresses, resolved once; refused when one is an address of this node's networks,
   * unless allowed.
   */
  private InetAddress[] checkedAddresses(URI location) {
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(location.getHost());
    } catch (UnknownHostException e) {
      throw failed(location, UNREACHABLE);
    }
    if (addresses == null || addresses.length == 0) {
      throw failed(location, UNREACHABLE);
    }
    if (!policy.allowPrivate()) {
      for (InetAddress a : addresses) {
        if (internal(a)) {
          throw new Forbidden(
              "Snapshot location "
                  + shown(location)
                  + " is refused: its host is a loopback, link-local or private address"
                  + " (service.snapshot_url_recovery_allow_private)");
        }
      }
    }
    return addresses;
  }

  /** Whether {@code a} is loopback, link-local, private, shared, unique-local or multicast. */
  static boolean internal(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (b.length == 4) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return (first == 100 && second >= 64 && second < 128) // shared address space (CGNAT)
          || first == 0;
    }
    if (a instanceof Inet6Address) {
      boolean uniqueLocal = (b[0] & 0xfe) == 0xfc; // fc00::/7
      boolean v4Mapped = isV4Mapped(b);
      if (v4Mapped) {
        try {
          return internal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
          return true;
        }
      }
      return uniqueLocal;
    }
    return false;
  }

  private static boolean isV4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
  }

  private StorageException.BadInput tooLarge(URI location) {
    return failed(
        location,
        "the snapshot is larger than "
            + (policy.maxBytes() >> 20)
            + " MB (service.snapshot_url_recovery_max_size_mb)");
  }

  private static StorageException.BadInput failed(URI location, String why) {
    return new StorageException.BadInput(
        "Failed to download the snapshot from " + shown(location) + ": " + why);
  }

  /** The location without user info (which may hold a password). */
  static String shown(URI location) {
    return location.getScheme()
        + "://"
        + location.getHost()
        + (location.getPort() < 0 ? "" : ":" + location.getPort())
        + (location.getRawPath() == null ? "" : location.getRawPath());
  }
}
