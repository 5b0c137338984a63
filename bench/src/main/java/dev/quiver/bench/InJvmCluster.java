package dev.quiver.bench;

import dev.quiver.server.Node;
import dev.quiver.server.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Cluster nodes in this JVM, joined over P2P on 127.0.0.1 (plain text, or mutual TLS as deployed
 * clusters run it): what the cluster benchmarks run against (the nodes share the machine's cores
 * with each other and with the clients). Not thread-safe; closed by its opener, which stops the
 * nodes in reverse order.
 */
final class InJvmCluster implements AutoCloseable {
  final List<Node> nodes = new ArrayList<>();
  final List<Integer> httpPorts = new ArrayList<>();

  private InJvmCluster() {}

  /**
   * Starts {@code count} nodes under {@code dir} ({@code node0}, ...), the first founding the
   * cluster and the others joining it; {@code env} gives a node's environment from its directory
   * and HTTP port (cluster settings are added to it).
   */
  static InJvmCluster start(Path dir, int count, BiFunction<Path, Integer, Map<String, String>> env)
      throws Exception {
    return start(dir, count, null, env);
  }

  /**
   * As {@link #start(Path, int, BiFunction)}; with {@code tls} (a directory holding {@code
   * cacert.pem}, {@code cert.pem} and {@code key.pem}, as {@link TlsCostBench#makeCertificates}
   * makes them) the peers talk over mutual TLS, every node with that certificate and that CA.
   */
  static InJvmCluster start(
      Path dir, int count, Path tls, BiFunction<Path, Integer, Map<String, String>> env)
      throws Exception {
    InJvmCluster c = new InJvmCluster();
    URI first = null;
    try {
      for (int i = 0; i < count; i++) {
        Path d = dir.resolve("node" + i);
        Files.createDirectories(d);
        int http = freePort();
        int p2p = freePort();
        Map<String, String> e = env.apply(d, http);
        e.put("QDRANT__CLUSTER__ENABLED", "true");
        e.put("QDRANT__CLUSTER__P2P__PORT", String.valueOf(p2p));
        if (tls != null) {
          e.put("QDRANT__CLUSTER__P2P__ENABLE_TLS", "true");
          e.put("QDRANT__TLS__CERT", tls.resolve("cert.pem").toString());
          e.put("QDRANT__TLS__KEY", tls.resolve("key.pem").toString());
          e.put("QDRANT__TLS__CA_CERT", tls.resolve("cacert.pem").toString());
        }
        URI self = URI.create((tls != null ? "https" : "http") + "://127.0.0.1:" + p2p);
        c.nodes.add(Node.start(new ConfigLoader().load(d, null, e).config(), self, first));
        if (first == null) {
          first = self;
        }
        c.httpPorts.add(http);
      }
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** A port free on 127.0.0.1 now. */
  static int freePort() {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      try {
        nodes.get(i).close();
      } catch (RuntimeException e) {
        // stopped already (a fail-over case)
      }
    }
  }
}
