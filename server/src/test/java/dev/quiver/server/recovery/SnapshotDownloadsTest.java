package dev.quiver.server.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.quiver.security.Forbidden;
import dev.quiver.storage.StorageException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** URL recovery against a real HTTP server on 127.0.0.1: each fence of the download policy. */
public class SnapshotDownloadsTest {
  @TempDir Path dir;
  HttpServer server;
  String base;
  final List<String> hosts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/snap",
        ex -> {
          byte[] body = new byte[4096];
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.createContext(
        "/chunked",
        ex -> {
          hosts.add(ex.getRequestHeaders().getFirst("host"));
          ex.sendResponseHeaders(200, 0); // chunked
          for (int i = 0; i < 100; i++) {
            ex.getResponseBody().write(new byte[1000]);
            ex.getResponseBody().flush();
          }
          ex.close();
        });
    server.createContext(
        "/redirect",
        ex -> {
          ex.getResponseHeaders().add("location", base + "/snap");
          ex.sendResponseHeaders(302, -1);
          ex.close();
        });
    server.createContext(
        "/stall",
        ex -> {
          ex.sendResponseHeaders(200, 0); // chunked, then nothing for longer than the timeout
          ex.getResponseBody().write(new byte[10]);
          ex.getResponseBody().flush();
          try {
            Thread.sleep(20_000); // the download completes normally if nothing cut it off
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static SnapshotDownloads downloads(boolean enabled, boolean allowPrivate, long max) {
    return new SnapshotDownloads(
        new SnapshotDownloads.Policy(
            enabled, allowPrivate, max, Duration.ofSeconds(2), Duration.ofMillis(500)),
        InetAddress::getAllByName);
  }

  @Test
  void aDownloadWithinThePolicyArrivesWhole() throws Exception {
    Path target = dir.resolve("a");
    downloads(true, true, 1 << 20).fetch(URI.create(base + "/snap"), null, target);
    assertThat(Files.size(target)).isEqualTo(4096);
  }

  /** A chunked body arrives whole, decoded. */
  @Test
  void aChunkedBodyArrivesWhole() throws Exception {
    Path target = dir.resolve("c");
    downloads(true, true, 1 << 20).fetch(URI.create(base + "/chunked"), null, target);
    assertThat(Files.size(target)).isEqualTo(100_000);
  }

  /**
   * DNS rebinding: the host was checked through one resolution and connected through another, so a
   * name answering a public address to the check and a private one to the connection reached the
   * private one. Now the host is resolved once and the connection goes to the checked address: a
   * name only the injected resolver knows is fetched from the address it gave, with the name in the
   * Host header, and the resolver is asked once.
   */
  @Test
  void theConnectionGoesToTheCheckedAddress() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    var pinned =
        new SnapshotDownloads(
            new SnapshotDownloads.Policy(
                true, true, 1 << 20, Duration.ofSeconds(2), Duration.ofMillis(500)),
            host -> {
              asked.incrementAndGet();
              assertThat(host).isEqualTo("snapshots.invalid");
              return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
            });
    int port = server.getAddress().getPort();
    Path target = dir.resolve("p");
    pinned.fetch(URI.create("http://snapshots.invalid:" + port + "/chunked"), null, target);
    assertThat(Files.size(target)).isEqualTo(100_000);
    assertThat(asked.get()).isEqualTo(1);
    assertThat(hosts).containsExactly("snapshots.invalid:" + port);
    // the same name, refused when its one answer is private
    var refusing =
        new SnapshotDownloads(
            new SnapshotDownloads.Policy(
                true, false, 1 << 20, Duration.ofSeconds(2), Duration.ofMillis(500)),
            host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
    assertThatThrownBy(
            () ->
                refusing.fetch(
                    URI.create("http://snapshots.invalid:" + port + "/chunked"),
                    null,
                    dir.resolve("q")))
        .isInstanceOf(Forbidden.class);
    assertThat(hosts).hasSize(1);
  }

  /** enable_snapshot_url_recovery: false was ignored: the download happened. */
  @Test
  void disabledRecoveryIsForbidden() {
    assertThatThrownBy(
            () ->
                downloads(false, true, 1 << 20)
                    .fetch(URI.create(base + "/snap"), null, dir.resolve("a")))
        .isInstanceOf(Forbidden.class)
        .hasMessageContaining("enable_snapshot_url_recovery");
  }

  /** Loopback (and link-local: cloud metadata) addresses were fetched. */
  @Test
  void internalAddressesAreRefusedUnlessAllowed() {
    assertThatThrownBy(
            () ->
                downloads(true, false, 1 << 20)
                    .fetch(URI.create(base + "/snap"), null, dir.resolve("a")))
        .isInstanceOf(Forbidden.class)
        .hasMessageContaining("snapshot_url_recovery_allow_private");
  }

  @Test
  void addressClassesAreToldApart() throws Exception {
    for (String internal :
        new String[] {
          "127.0.0.1", "169.254.169.254", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
          "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "224.0.0.1"
        }) {
      assertThat(SnapshotDownloads.internal(InetAddress.getByName(internal))).as(internal).isTrue();
    }
    for (String external :
        new String[] {"8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "100.128.0.1"}) {
      assertThat(SnapshotDownloads.internal(InetAddress.getByName(external)))
          .as(external)
          .isFalse();
    }
  }

  /** Redirects were followed, to any host. */
  @Test
  void redirectsAreNotFollowed() {
    assertThatThrownBy(
            () ->
                downloads(true, true, 1 << 20)
                    .fetch(URI.create(base + "/redirect"), null, dir.resolve("a")))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("redirect");
  }

  @Test
  void aBodyOverTheCapIsRefused() {
    assertThatThrownBy(
            () ->
                downloads(true, true, 1000)
                    .fetch(URI.create(base + "/snap"), null, dir.resolve("a")))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("larger than");
  }

  /** A body that stops arriving was waited for without end; it now fails like any failure. */
  @Test
  void aStalledBodyTimesOutAndFailuresDoNotTellWhy() {
    assertThatThrownBy(
            () ->
                downloads(true, true, 1 << 20)
                    .fetch(URI.create(base + "/stall"), null, dir.resolve("a")))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("no connection, a time-out, or an unknown host");
    // a closed port reads the same as the time-out
    int closed = server.getAddress().getPort();
    server.stop(0);
    assertThatThrownBy(
            () ->
                downloads(true, true, 1 << 20)
                    .fetch(
                        URI.create("http://127.0.0.1:" + closed + "/snap"), null, dir.resolve("b")))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("no connection, a time-out, or an unknown host");
  }
}
