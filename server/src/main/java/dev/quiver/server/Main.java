package dev.quiver.server;

import dev.quiver.server.config.ConfigException;
import dev.quiver.server.config.ConfigLoader;
import dev.quiver.server.config.LoadedConfig;
import dev.quiver.server.config.QuiverConfig;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Starts a node: flags, configuration, then {@link Node}. Holds no static logger so that logging is
 * configured (JUL bridge, level from {@code log_level}) before Log4j starts.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    Cli.Parsed parsed = Cli.parse(args, System.getenv(), out, err);
    if (parsed.cli() == null) {
      System.exit(parsed.exitCode());
      return;
    }
    LoadedConfig loaded;
    try {
      loaded =
          new ConfigLoader()
              .load(Path.of("").toAbsolutePath(), parsed.cli().configPath(), System.getenv());
      refuseUnsupported(loaded.config(), parsed.cli());
    } catch (ConfigException e) {
      err.println("quiver: " + e.getMessage());
      System.exit(1);
      return;
    }
    Logging.configure(loaded.config().logLevel());
    var log = org.apache.logging.log4j.LogManager.getLogger(Main.class);
    log.info("Quiver {} (Qdrant API {}) starting", BuildInfo.VERSION, BuildInfo.QDRANT_API_VERSION);
    log.info("configuration from: {}", String.join(", ", loaded.sources()));
    if (!loaded.ignoredKeys().isEmpty()) {
      log.warn("ignoring unknown configuration keys: {}", String.join(", ", loaded.ignoredKeys()));
    }
    Node node;
    try {
      node = Node.start(loaded.config());
    } catch (dev.quiver.security.tls.TlsMaterialException e) {
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
                      org.apache.logging.log4j.LogManager.shutdown();
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
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the start when the configuration asks for something this build cannot enforce yet:
   * running open while the operator believes keys or TLS protect the node is worse than not
   * running.
   */
  static void refuseUnsupported(QuiverConfig config, Cli cli) throws ConfigException {
    List<String> missing = new java.util.ArrayList<>();
    if (config.cluster().p2p().enableTls()) {
      missing.add("cluster.p2p.enable_tls");
    }
    if (!missing.isEmpty()) {
      throw new ConfigException(
          "this build of Quiver cannot enforce "
              + String.join(", ", missing)
              + " yet; refusing to start rather than run unprotected");
    }
    if (config.cluster().enabled()) {
      throw new ConfigException(
          "cluster.enabled: distributed mode is not available in this build yet");
    }
    if (cli.uri() != null || cli.bootstrap() != null) {
      throw new ConfigException(
          "--uri and --bootstrap need cluster.enabled, which this build does not support yet");
    }
  }
}
