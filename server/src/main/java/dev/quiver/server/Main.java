package dev.quiver.server;

import dev.quiver.cluster.PeerUris;
import dev.quiver.security.tls.TlsMaterialException;
import dev.quiver.server.config.BuildInfo;
import dev.quiver.server.config.ConfigException;
import dev.quiver.server.config.ConfigLoader;
import dev.quiver.server.config.LoadedConfig;
import dev.quiver.server.config.QuiverConfig;
import dev.quiver.storage.StorageException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Security;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;

/**
 * Starts a node: flags, configuration, then {@link Node}. Holds no static logger so that logging is
 * configured (JUL bridge, level from {@code log_level}) before Log4j starts. Stateless (static
 * methods only), so thread-safe.
 */
public final class Main {
  private Main() {}

  /**
   * Netty's buffer leak detector, on by default, records a stack trace for one buffer in 128: about
   * 5 µs of CPU per gRPC search on the request and event-loop threads, 1.3% of a loaded node
   * (measured with {@code perf}). Off unless asked for: the integration tests run every node at
   * {@code paranoid} and fail on a leak report, which is where leaks are caught; {@code
   * JAVA_OPTS=-Dio.netty.leakDetection.level=simple} (or {@code advanced}, {@code paranoid}) turns
   * it back on in a node. Runs before any Netty class is loaded.
   */
  static void leakDetectionOffUnlessAsked() {
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
  }

  /**
   * The JVM keeps a resolved host name for 30 s by default. A peer that restarts in a container or
   * a pod comes back at a new address under the same name, and its peers would keep dialling the
   * old one for up to that long (each attempt at a vanished address waiting out a TCP connect
   * timeout). Names are kept {@value #DNS_CACHE_SECONDS} s here, failed lookups one, unless the
   * operator set {@code networkaddress.cache.ttl} (security property) or {@code
   * sun.net.inetaddr.ttl} (system property). Runs before any host name is looked up.
   */
  static void shortDnsCacheUnlessAsked() {
    if (Security.getProperty("networkaddress.cache.ttl") == null
        && System.getProperty("sun.net.inetaddr.ttl") == null) {
      Security.setProperty("networkaddress.cache.ttl", Integer.toString(DNS_CACHE_SECONDS));
      if (System.getProperty("sun.net.inetaddr.negative.ttl") == null) {
        Security.setProperty("networkaddress.cache.negative.ttl", "1");
      }
    }
  }

  private static final int DNS_CACHE_SECONDS = 2;

  @SuppressForbidden // the command line speaks through the process's own stdout and stderr
  public static void main(String[] args) {
    System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
    leakDetectionOffUnlessAsked();
    shortDnsCacheUnlessAsked();
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    Cli.Parsed parsed = Cli.parse(args, System.getenv(), out, err);
    if (parsed.cli() == null) {
      System.exit(parsed.exitCode());
      return;
    }
    LoadedConfig loaded;
    URI uri;
    URI bootstrap;
    try {
      loaded =
          new ConfigLoader()
              .load(Path.of("").toAbsolutePath(), parsed.cli().configPath(), System.getenv());
      refuseUnsupported(loaded.config(), parsed.cli());
      uri = peerUri(loaded.config(), "--uri", parsed.cli().uri());
      bootstrap = peerUri(loaded.config(), "--bootstrap", parsed.cli().bootstrap());
    } catch (ConfigException e) {
      err.println("quiver: " + e.getMessage());
      System.exit(1);
      return;
    }
    Logging.configure(loaded.config().logLevel());
    var log = LogManager.getLogger(Main.class);
    log.info("Quiver {} (Qdrant API {}) starting", BuildInfo.VERSION, BuildInfo.QDRANT_API_VERSION);
    log.info("configuration from: {}", String.join(", ", loaded.sources()));
    if (!loaded.ignoredKeys().isEmpty()) {
      log.warn("ignoring unknown configuration keys: {}", String.join(", ", loaded.ignoredKeys()));
    }
    Node node;
    try {
      node = Node.start(loaded.config(), uri, bootstrap);
    } catch (TlsMaterialException e) {
      log.fatal("cannot start: {}", e.getMessage());
      System.exit(1);
      return;
    } catch (StorageException e) {
      log.fatal("cannot start: {}", e.getMessage());
      System.exit(1);
      return;
    } catch (Exception e) {
      log.fatal("cannot start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            Thread.ofPlatform()
                .name("shutdown")
                .unstarted(
                    () -> {
                      log.info("shutting down");
                      node.close();
                      log.info("stopped");
                      LogManager.shutdown();
                      stopped.countDown();
                    }));
    log.info(
        "Quiver ready: REST on {}:{}, gRPC on {}, storage at {}",
        loaded.config().service().host(),
        node.restPort(),
        node.grpcPort() < 0
            ? "(disabled)"
            : loaded.config().service().host() + ":" + node.grpcPort(),
        Path.of(loaded.config().storage().storagePath()).toAbsolutePath().normalize());
    node.fatal()
        .thenAccept(
            reason ->
                // not on the thread that found it: the shutdown hook may wait for that thread
                Thread.ofPlatform()
                    .name("fatal")
                    .start(
                        () -> {
                          log.fatal("stopping: {}", reason);
                          System.exit(1);
                        }));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Parses a peer URI flag: {@code http://host:port} for plain P2P, {@code https://host:port} with
   * {@code cluster.p2p.enable_tls}; the scheme must match, as every peer must agree on TLS.
   */
  static URI peerUri(QuiverConfig config, String flag, String value) throws ConfigException {
    if (value == null) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (URISyntaxException e) {
      throw new ConfigException(flag + " " + value + " is not a URI: " + e.getReason());
    }
    boolean tls = config.cluster().p2p().enableTls();
    String expected = tls ? "https" : "http";
    boolean hostAndPort;
    try {
      PeerUris.hostPort(uri);
      hostAndPort = true;
    } catch (IllegalArgumentException e) {
      hostAndPort = false;
    }
    if (!expected.equalsIgnoreCase(uri.getScheme()) || !hostAndPort) {
      throw new ConfigException(
          flag
              + " "
              + value
              + " must look like "
              + expected
              + "://host:port"
              + (tls ? " (cluster.p2p.enable_tls is on)" : " (cluster.p2p.enable_tls is off)"));
    }
    return uri;
  }

  /** Stops the start when the command line asks for what the configuration does not allow. */
  static void refuseUnsupported(QuiverConfig config, Cli cli) throws ConfigException {
    if (!config.cluster().enabled() && (cli.uri() != null || cli.bootstrap() != null)) {
      throw new ConfigException(
          "--uri and --bootstrap need distributed mode: set cluster.enabled"
              + " (QDRANT__CLUSTER__ENABLED=true)");
    }
  }
}
