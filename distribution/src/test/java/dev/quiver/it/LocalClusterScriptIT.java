package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compose/run-local-cluster.sh} starts the compose file's three-node mutual-TLS topology as
 * local processes from the release tarball; the nodes form one cluster that serves a collection
 * through any node, and {@code stop} ends them.
 */
class LocalClusterScriptIT {
  @TempDir Path base;

  static int basePort() throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + 10 * ThreadLocalRandom.current().nextInt(2_000);
      boolean free = true;
      for (int n = 0; n < 3 && free; n++) {
        for (int k = 0; k < 3 && free; k++) {
          try (var s =
              new ServerSocket(base + 10 * n + k, 1, java.net.InetAddress.getLoopbackAddress())) {
            free = true;
          } catch (java.io.IOException e) {
            free = false;
          }
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no free port range");
  }

  static String run(Path base, int basePort, String command) throws Exception {
    Path script = Path.of("..", "compose", "run-local-cluster.sh").toAbsolutePath();
    Path tarball;
    try (var files = Files.list(Path.of("target"))) {
      tarball =
          files
              .filter(f -> f.getFileName().toString().matches("quiver-.*\\.tar\\.gz"))
              .findFirst()
              .orElseThrow()
              .toAbsolutePath();
    }
    var pb = new ProcessBuilder("sh", script.toString(), command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.toUpperCase().startsWith("QDRANT"));
    pb.environment().put("BASE_DIR", base.toString());
    pb.environment().put("BASE_PORT", String.valueOf(basePort));
    pb.environment().put("TARBALL", tarball.toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("JAVA_OPTS", "-Xmx384m -XX:+UseSerialGC");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void theScriptStartsAMutualTlsClusterFromTheTarball() throws Exception {
    int port = basePort();
    try {
      String out = run(base, port, "start");
      assertThat(out).contains("cluster of 3 nodes running");
      assertThat(Files.isExecutable(base.resolve("quiver/qdrant")))
          .as("./qdrant in the package")
          .isTrue();
      assertThat(base.resolve("quiver/LICENSE")).exists();
      assertThat(base.resolve("quiver/config/production.yaml")).exists();
      String key = Files.readString(base.resolve("api-key")).trim();
      var tls = TlsIT.context(base.resolve("tls/cacert.pem"), null, null);
      var openApi = new OpenApiValidator();
      List<Rest> nodes = new ArrayList<>();
      for (int n = 0; n < 3; n++) {
        nodes.add(new Rest(port + 10 * n, openApi, tls, key));
      }
      Eventually.within(
          30,
          () -> {
            for (Rest node : nodes) {
              var c = node.call("GET", "/cluster", "/cluster", null).result();
              assertThat(c.path("peers").size()).isEqualTo(3);
              c.path("peers")
                  .forEach(
                      p -> assertThat(p.path("uri").asText()).startsWith("https://127.0.0.1:"));
            }
          });
      assertThat(nodes.get(0).anonymous().send("GET", "/collections", null).status())
          .isEqualTo(401);
      var created =
          nodes
              .get(0)
              .send(
                  "PUT",
                  "/collections/local",
                  "{\"vectors\":{\"size\":2,\"distance\":\"Cosine\"}}");
      assertThat(created.status()).as(created.body()).isEqualTo(200);
      var upserted =
          nodes
              .get(1)
              .send(
                  "PUT",
                  "/collections/local/points?wait=true",
                  "{\"points\":[{\"id\":1,\"vector\":[1,0]},{\"id\":2,\"vector\":[0,1]}]}");
      assertThat(upserted.status()).as(upserted.body()).isEqualTo(200);
      Eventually.within(
          30,
          () -> {
            var answer = nodes.get(2).send("POST", "/collections/local/points/count", "{}");
            assertThat(answer.status()).as(answer.json().toString()).isEqualTo(200);
            assertThat(answer.result().path("count").asInt()).isEqualTo(2);
          });
      assertThat(run(base, port, "status")).contains("node 3: ready");
    } finally {
      assertThat(run(base, port, "stop")).contains("stopped");
    }
    assertThat(run(base, port, "status")).contains("node 1: down");
  }
}
