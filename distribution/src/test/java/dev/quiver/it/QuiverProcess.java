package dev.quiver.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server ({@code target/quiver/bin/quiver}) started as its own process on free ports
 * of 127.0.0.1, with a working directory of its own. Stop it with {@link #stop()} (SIGTERM), {@link
 * #kill()} (SIGKILL) or {@link #close()}.
 */
final class QuiverProcess implements AutoCloseable {
  final Path workDir;
  final int httpPort;
  final int grpcPort;
  private final Map<String, String> extraEnv;
  private Process process;
  private int starts;
  private Path tlsCa; // when set, the node serves HTTPS and readiness is probed with this CA
  private Path clientCert;
  private Path clientKey;
  private List<String> args = List.of();
  private String host = "127.0.0.1"; // where the node binds its ports
  private String javaOpts = ""; // added to the node's JVM options
  private List<String> prefix = List.of(); // runs the launcher, e.g. nsenter

  QuiverProcess(Path workDir, Map<String, String> extraEnv) throws IOException {
    this.workDir = workDir;
    this.httpPort = freePort();
    this.grpcPort = freePort();
    this.extraEnv = extraEnv; // the caller may change it between starts
  }

  /**
   * Sets {@code name} in the environment of the next starts (null removes it); the map given at
   * construction must be mutable.
   */
  QuiverProcess setEnv(String name, String value) {
    if (value == null) {
      extraEnv.remove(name);
    } else {
      extraEnv.put(name, value);
    }
    return this;
  }

  /** Every port {@link #freePort} handed out in this JVM: none is handed out twice. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * A loopback port free now and not handed out before in this JVM: the kernel may give the same
   * ephemeral port to two probes in a row, and a node given it for two of its listeners (P2P and
   * gRPC) fails to start.
   */
  static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
    throw new IOException("no loopback port that was not handed out before, after 100 probes");
  }

  static Path home() {
    String home = System.getProperty("quiver.home");
    if (home == null) {
      throw new IllegalStateException("quiver.home is not set; run through failsafe (mvn verify)");
    }
    return Path.of(home);
  }

  /** The node serves HTTPS; probe readiness trusting {@code ca}. */
  QuiverProcess tls(Path ca) {
    this.tlsCa = ca;
    return this;
  }

  /** The node requires client certificates; probe with this one. */
  QuiverProcess tls(Path ca, Path clientCert, Path clientKey) {
    this.tlsCa = ca;
    this.clientCert = clientCert;
    this.clientKey = clientKey;
    return this;
  }

  /** The address the node binds its ports to (127.0.0.1 by default). */
  QuiverProcess host(String host) {
    this.host = host;
    return this;
  }

  String host() {
    return host;
  }

  /** JVM options added to the node's (e.g. {@code -Djdk.net.hosts.file=...}). */
  QuiverProcess javaOpts(String options) {
    this.javaOpts = options;
    return this;
  }

  /**
   * A command that runs the launcher, for a node that must start inside something (e.g. {@link
   * SmallDisk#enter()}); it must exec the launcher in place, so the node keeps its pid.
   */
  QuiverProcess prefix(List<String> command) {
    this.prefix = List.copyOf(command);
    return this;
  }

  /** Command-line arguments for the next {@link #start()} (none by default). */
  QuiverProcess args(String... args) {
    this.args = List.of(args);
    return this;
  }

  QuiverProcess start() throws Exception {
    launch();
    awaitReady();
    return this;
  }

  /** Starts the process without waiting for it to become ready. */
  Process launch() throws Exception {
    Files.createDirectories(workDir);
    var command = new ArrayList<String>(prefix);
    command.add(home().resolve("bin/quiver").toString());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.directory(workDir.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.toUpperCase().startsWith("QDRANT"));
    env.put("JAVA_HOME", System.getProperty("java.home"));
    // Netty's leak detector, off in a node by default, tracks every buffer here: a buffer that is
    // garbage-collected unreleased is logged as "LEAK:", and close() fails the test on it
    // it.java.opts (a system property of the test run) adds options, e.g. a logging
    // configuration for a diagnosis run
    env.put(
        "JAVA_OPTS",
        ("-Xmx512m -XX:+UseSerialGC -Dio.netty.leakDetection.level=paranoid "
                + javaOpts
                + " "
                + System.getProperty("it.java.opts", ""))
            .strip());
    env.put("QDRANT__SERVICE__HOST", host);
    env.put("QDRANT__SERVICE__HTTP_PORT", String.valueOf(httpPort));
    env.put("QDRANT__SERVICE__GRPC_PORT", String.valueOf(grpcPort));
    env.putAll(extraEnv);
    pb.redirectErrorStream(true);
    pb.redirectOutput(
        ProcessBuilder.Redirect.appendTo(
            workDir.resolve("quiver-" + (++starts) + ".log").toFile()));
    process = pb.start();
    return process;
  }

  /** Waits (60 s at most) until the {@link #launch() launched} node answers {@code /readyz}. */
  void awaitReady() throws Exception {
    var hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
    if (tlsCa != null) {
      hb.sslContext(TlsIT.context(tlsCa, clientCert, clientKey));
    }
    HttpClient http = hb.build();
    String scheme = tlsCa == null ? "http" : "https";
    IOException lastProblem = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("quiver exited with " + process.exitValue() + ": " + log());
      }
      try {
        var r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(scheme + "://" + host + ":" + httpPort + "/readyz"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        lastProblem = e; // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "quiver not ready after 60 s (last probe: " + lastProblem + "): " + log());
  }

  String log() throws IOException {
    return Files.readString(workDir.resolve("quiver-" + starts + ".log"));
  }

  long pid() {
    return process.pid();
  }

  /** SIGTERM and wait for a clean exit; returns the exit code. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new IllegalStateException("quiver did not stop within 30 s of SIGTERM");
    }
    return process.exitValue();
  }

  /** SIGSTOP: the process stands still (as in a long GC pause) until {@link #resume()}. */
  void pause() throws Exception {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** Whether the process was started and has not exited. */
  boolean running() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  /**
   * Kills the process if it still runs, then fails if any of its runs logged a leaked Netty buffer.
   */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill();
    }
    String leaks = leaks();
    if (!leaks.isEmpty()) {
      throw new AssertionError("the node leaked Netty buffers:\n" + leaks);
    }
  }

  /** The leak reports in this process's logs (every start), empty if none. */
  String leaks() {
    StringBuilder out = new StringBuilder();
    for (int i = 1; i <= starts; i++) {
      try {
        String log = Files.readString(workDir.resolve("quiver-" + i + ".log"));
        int at = log.indexOf("LEAK:");
        if (at >= 0) {
          out.append(
              log, Math.max(0, log.lastIndexOf('\n', at) + 1), Math.min(log.length(), at + 4_000));
        }
      } catch (IOException e) {
        // no log for that start
      }
    }
    return out.toString();
  }
}
