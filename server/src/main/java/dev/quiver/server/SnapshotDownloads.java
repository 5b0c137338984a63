package dev.quiver.server;

import dev.quiver.security.Forbidden;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Fetches a snapshot from an {@code http(s)://} recovery location into a local file, streamed to
 * disk (never held in memory), with the request's {@code api_key} as the {@code api-key} header.
 *
 * <p>The node fetches what a manage-rights caller names, so the fetch is fenced: refused entirely
 * unless {@code service.enable_snapshot_url_recovery}; hosts that resolve to loopback, link-local
 * (cloud metadata at 169.254.169.254), private, shared (100.64/10), unique-local or multicast
 * addresses are refused unless {@code snapshot_url_recovery_allow_private} says otherwise; no
 * redirect is followed; connecting and every pause in the body are bounded by timeouts, and the
 * body by a size cap. Failures to connect, time-outs and unknown hosts all read the same, so the
 * answers do not map the network. Messages name the location without user info, never the key.
 * HTTPS uses the JVM's trust store. Thread-safe.
 *
 * <p>A host whose DNS answer changes between the check and the connection (rebinding) is not caught
 * here: deployments that need that use {@code enable_snapshot_url_recovery: false} or an egress
 * proxy.
 */
public final class SnapshotDownloads {
  /** What a node allows; {@code maxBytes} caps one download. */
  public record Policy(
      boolean enabled,
      boolean allowPrivate,
      long maxBytes,
      Duration connectTimeout,
      Duration readTimeout) {}

  private final Policy policy;
  private final HttpClient client;
  private final LongSupplier nanoClock;

  public SnapshotDownloads(Policy policy, LongSupplier nanoClock) {
    this.policy = policy;
    this.nanoClock = nanoClock;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(policy.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** Downloads {@code location} into {@code target} (replaced); refuses what the policy does. */
  public void fetch(URI location, String apiKey, Path target) {
    if (!policy.enabled()) {
      throw new Forbidden(
          "Snapshot recovery from a URL is disabled (service.enable_snapshot_url_recovery)");
    }
    checkHost(location);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(location).timeout(policy.readTimeout()).GET();
    if (apiKey != null) {
      request.header("api-key", apiKey);
    }
    HttpResponse<InputStream> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw failed(location, "the download failed (no connection, a time-out, or an unknown host)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Unavailable("interrupted while downloading a snapshot", e);
    } catch (IllegalArgumentException e) {
      throw new StorageException.BadInput("bad snapshot location " + shown(location));
    }
    try (InputStream body = response.body()) {
      int status = response.statusCode();
      if (status / 100 == 3) {
        throw failed(
            location, "the server answered a redirect (HTTP " + status + "), not followed");
      }
      if (status / 100 != 2) {
        throw failed(location, "the server answered HTTP " + status);
      }
      long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
      if (declared > policy.maxBytes()) {
        throw tooLarge(location);
      }
      copy(body, target, location);
    } catch (IOException e) {
      throw failed(location, "the download failed (no connection, a time-out, or an unknown host)");
    }
  }

  /**
   * Copies the body with the size cap, closing it (which aborts the read) when no byte came for the
   * read timeout.
   */
  private void copy(InputStream body, Path target, URI location) throws IOException {
    AtomicLong lastProgress = new AtomicLong(nanoClock.getAsLong());
    long idleNanos = policy.readTimeout().toNanos();
    Thread watchdog =
        Thread.ofVirtual()
            .name("snapshot-download-watchdog")
            .start(
                () -> {
                  try {
                    while (!Thread.currentThread().isInterrupted()) {
                      Thread.sleep(Math.max(10, Math.min(1000, idleNanos / 4_000_000)));
                      if (nanoClock.getAsLong() - lastProgress.get() > idleNanos) {
                        body.close(); // the blocked read throws
                        return;
                      }
                    }
                  } catch (InterruptedException | IOException e) {
                    // done, or already closed
                  }
                });
    long total = 0;
    try (OutputStream out = Files.newOutputStream(target)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = body.read(buf)) >= 0) {
        lastProgress.set(nanoClock.getAsLong());
        total += n;
        if (total > policy.maxBytes()) {
          throw tooLarge(location);
        }
        out.write(buf, 0, n);
      }
    } finally {
      watchdog.interrupt();
    }
  }

  /** Refuses hosts that resolve to an address of this node's networks, unless allowed. */
  private void checkHost(URI location) {
    String host = location.getHost();
    if (host == null) {
      throw new StorageException.BadInput("bad snapshot location " + shown(location));
    }
    if (policy.allowPrivate()) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw failed(location, "the download failed (no connection, a time-out, or an unknown host)");
    }
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
