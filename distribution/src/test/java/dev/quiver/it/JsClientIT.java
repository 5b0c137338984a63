package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Qdrant JS REST client ({@code @qdrant/js-client-rest@1.18.0}, installed with npm
 * into {@code target/js-client} on first use) runs {@code src/test/js/e2e.mjs} against a started
 * node: collections, upsert, query, filtered search, scroll, count, retrieve, payload, delete,
 * snapshots, a formula query, a 404, with an API key.
 */
class JsClientIT {
  @TempDir Path work;

  static String run(Path dir, long seconds, String... command) throws Exception {
    Process p =
        new ProcessBuilder(List.of(command))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish: " + out);
    }
    assertThat(p.exitValue()).as("%s:%n%s", String.join(" ", command), out).isZero();
    return out;
  }

  static Path clientDir() throws Exception {
    Path dir = Path.of("target", "js-client").toAbsolutePath();
    Files.createDirectories(dir);
    for (String f : List.of("package.json", "e2e.mjs")) {
      Files.copy(
          Path.of("src", "test", "js", f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(dir.resolve("node_modules/@qdrant/js-client-rest"))) {
      run(dir, 300, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
    }
    return dir;
  }

  @Test
  void theOfficialJsClientRunsItsScript() throws Exception {
    Path client = clientDir();
    try (var node =
        new QuiverProcess(work, Map.of("QDRANT__SERVICE__API_KEY", "js-client-key")).start()) {
      String out =
          run(client, 120, "node", "e2e.mjs", "http://127.0.0.1:" + node.httpPort, "js-client-key");
      assertThat(out).contains("js client e2e ok");
    }
  }
}
