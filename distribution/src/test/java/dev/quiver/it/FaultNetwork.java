package dev.quiver.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The network of a cluster on one machine with a {@link FaultProxy} on every link: peer {@code i}
 * listens on its own loopback address {@link #address(int)}, is known to the cluster as {@code
 * peer-i} ({@link #uri(int)}), and resolves the names through a hosts file of its own ({@link
 * #hostsFile(int)}, given to its JVM as {@code jdk.net.hosts.file}) in which every other peer's
 * name is the address of the proxy on the link from {@code i} to that peer. So each ordered pair of
 * peers has its own relay, and the test cuts, delays or slows any link in either direction. Not
 * thread-safe for set-up; the link controls are.
 */
final class FaultNetwork implements AutoCloseable {
  private final int peers;
  private final List<Integer> p2pPorts;
  private final Path dir;
  private final FaultProxy[][] links;

  /**
   * @param p2pPorts each peer's P2P port (the proxies listen on the same port at their own address)
   * @param seed the seed of the proxies' random choices
   */
  FaultNetwork(Path dir, List<Integer> p2pPorts, long seed) throws IOException {
    this.peers = p2pPorts.size();
    this.p2pPorts = List.copyOf(p2pPorts);
    this.dir = dir;
    this.links = new FaultProxy[peers][peers];
    Files.createDirectories(dir);
    for (int from = 0; from < peers; from++) {
      var hosts = new StringBuilder("127.0.0.1 localhost\n");
      for (int to = 0; to < peers; to++) {
        if (from == to) {
          hosts.append(address(to)).append(' ').append(name(to)).append('\n');
          continue;
        }
        String relay = "127.0.0." + (100 + 10 * from + to);
        links[from][to] =
            new FaultProxy(
                new InetSocketAddress(InetAddress.getByName(relay), p2pPorts.get(to)),
                new InetSocketAddress(InetAddress.getByName(address(to)), p2pPorts.get(to)),
                seed * 1_000 + from * 10L + to);
        hosts.append(relay).append(' ').append(name(to)).append('\n');
      }
      Files.writeString(hostsFile(from), hosts.toString());
    }
  }

  /** The loopback address peer {@code i} binds its ports to. */
  static String address(int i) {
    return "127.0.0." + (10 + i);
  }

  static String name(int i) {
    return "peer-" + i;
  }

  /** The peer's P2P URI, as the cluster knows it. */
  String uri(int i) {
    return "https://" + name(i) + ":" + p2pPorts.get(i);
  }

  Path hostsFile(int i) {
    return dir.resolve("hosts-" + i);
  }

  /** Nothing {@code from} sends reaches {@code to} (a one-way partition); the rest flows. */
  void block(int from, int to) {
    links[from][to].forward.block();
    links[to][from].backward.block();
  }

  /** {@code a} and {@code b} no longer hear each other. */
  void partition(int a, int b) {
    block(a, b);
    block(b, a);
  }

  /** Peer {@code i} hears no other peer and no other peer hears it. */
  void isolate(int i) {
    for (int j = 0; j < peers; j++) {
      if (j != i) {
        partition(i, j);
      }
    }
  }

  /**
   * Every link in both directions: each chunk {@code delayMillis} late, lost (and retransmitted)
   * with {@code loss}, at most {@code bytesPerSecond} (0: unlimited).
   */
  void degrade(long delayMillis, double loss, long bytesPerSecond) {
    for (FaultProxy[] row : links) {
      for (FaultProxy link : row) {
        if (link != null) {
          for (FaultProxy.Direction d : List.of(link.forward, link.backward)) {
            d.delay(delayMillis);
            d.loss(loss);
            d.bandwidth(bytesPerSecond);
          }
        }
      }
    }
  }

  /** Every link clean again. */
  void heal() {
    for (FaultProxy[] row : links) {
      for (FaultProxy link : row) {
        if (link != null) {
          link.heal();
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    List<IOException> problems = new ArrayList<>();
    for (FaultProxy[] row : links) {
      for (FaultProxy link : row) {
        if (link != null) {
          try {
            link.close();
          } catch (IOException e) {
            problems.add(e);
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw problems.get(0);
    }
  }
}
