package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the packaged launcher does before serving: flags, config errors, refusing unsafe starts. */
class StartupIT {
  @TempDir Path work;

  record Run(int exit, String output) {}

  private Run run(Map<String, String> env, String... args) throws Exception {
    return run(work, env, args);
  }

  /** Runs the packaged launcher in {@code work} until it exits by itself. */
  static Run run(Path work, Map<String, String> env, String... args) throws Exception {
    var cmd = new java.util.ArrayList<String>();
    cmd.add(QuiverProcess.home().resolve("bin/quiver").toString());
    cmd.addAll(java.util.List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.toUpperCase().startsWith("QDRANT"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("QDRANT__SERVICE__HOST", "127.0.0.1");
    pb.environment().put("QDRANT__SERVICE__HTTP_PORT", String.valueOf(QuiverProcess.freePort()));
    pb.environment().put("QDRANT__SERVICE__GRPC_PORT", String.valueOf(QuiverProcess.freePort()));
    pb.environment().putAll(env);
    Path out = work.resolve("out.log");
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly().waitFor();
    }
    assertThat(exited).as("exits by itself").isTrue();
    return new Run(p.exitValue(), Files.readString(out));
  }

  @Test
  void versionAndHelp() throws Exception {
    Run v = run(Map.of(), "--version");
    assertThat(v.exit()).isZero();
    assertThat(v.output()).contains("quiver ").contains("Qdrant API");
    Run h = run(Map.of(), "--help");
    assertThat(h.exit()).isZero();
    assertThat(h.output()).contains("--uri").contains("--bootstrap").contains("--config-path");
  }

  /**
   * A machine whose JAVA_HOME names an older Java (here a stand-in reporting 17) still starts when
   * a Java 25 is on the PATH: the launcher passes over the older one (the shared finder's cases are
   * in {@code FindJdkTest}).
   */
  @Test
  void anOlderJavaHomeIsPassedOverForAJava25() throws Exception {
    Path old = work.resolve("jdk-17/bin/java");
    Files.createDirectories(old.getParent());
    Files.writeString(old, "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
    old.toFile().setExecutable(true);
    Path bin = work.resolve("path-bin");
    Files.createDirectories(bin);
    Files.createSymbolicLink(
        bin.resolve("java"), Path.of(System.getProperty("java.home"), "bin/java"));
    String path = bin + ":/usr/bin:/bin";
    Run v =
        run(Map.of("JAVA_HOME", old.getParent().getParent().toString(), "PATH", path), "--version");
    assertThat(v.exit()).as(v.output()).isZero();
    assertThat(v.output()).contains("quiver ");
  }

  @Test
  void badValueStopsTheStartNamingKeyAndValue() throws Exception {
    Run r = run(Map.of("QDRANT__SERVICE__MAX_REQUEST_SIZE_MB", "lots"));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output()).contains("service.max_request_size_mb").contains("lots");
    assertThat(r.output()).doesNotContain("\tat ");
  }

  @Test
  void peerTlsWithoutItsFilesStopsTheStart() throws Exception {
    Run p2p =
        run(
            Map.of(
                "QDRANT__CLUSTER__ENABLED", "true",
                "QDRANT__CLUSTER__P2P__PORT", String.valueOf(QuiverProcess.freePort()),
                "QDRANT__CLUSTER__P2P__ENABLE_TLS", "true",
                "QDRANT__SERVICE__API_KEY", "my-very-secret-key"),
            "--uri",
            "https://127.0.0.1:6335");
    assertThat(p2p.exit()).isEqualTo(1);
    assertThat(p2p.output()).contains("tls.cert").doesNotContain("\tat ");
    assertThat(p2p.output()).doesNotContain("my-very-secret-key");
  }

  @Test
  void peerFlagsNeedDistributedModeAndTheMatchingScheme() throws Exception {
    Run noCluster = run(Map.of(), "--uri", "http://127.0.0.1:6335");
    assertThat(noCluster.exit()).isEqualTo(1);
    assertThat(noCluster.output()).contains("cluster.enabled");
    Run plainUriWithTls =
        run(
            Map.of("QDRANT__CLUSTER__ENABLED", "true", "QDRANT__CLUSTER__P2P__ENABLE_TLS", "true"),
            "--uri",
            "http://127.0.0.1:6335");
    assertThat(plainUriWithTls.exit()).isEqualTo(1);
    assertThat(plainUriWithTls.output()).contains("https://host:port");
  }

  @Test
  void anAuditLogThatCannotBeOpenedStopsTheStart() throws Exception {
    Files.writeString(work.resolve("blocker"), "a file where the audit directory should be");
    Run r =
        run(
            Map.of(
                "QDRANT__AUDIT__ENABLED",
                "true",
                "QDRANT__AUDIT__DIR",
                work.resolve("blocker").resolve("audit").toString()));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output()).contains("audit");
  }

  @Test
  void missingConfigPathStopsTheStart() throws Exception {
    Run r = run(Map.of(), "--config-path", "nope.yaml");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.output()).contains("nope.yaml");
  }
}
