package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the commands of {@code docs/security.md}: the YAML block marked {@code <!-- config -->}
 * becomes the node's {@code config/config.yaml}, and every shell block marked {@code <!-- run -->}
 * runs in order with {@code bash -e} against that node ({@code localhost:6333} pointed at its port,
 * {@code quiver} on the PATH), checking its output holds the marked expectation.
 */
class SecurityDocsIT {
  private static final Pattern BLOCK =
      Pattern.compile(
          "<!-- (config|run(?:: expect (.+?))?) -->\\s*\\n```(?:yaml|sh)\\n(.*?)```",
          Pattern.DOTALL);

  @TempDir Path work;

  @Test
  void everyMarkedCommandWorksAsWritten() throws Exception {
    String doc =
        Files.readString(Path.of(System.getProperty("quiver.docs")).resolve("security.md"));
    Matcher m = BLOCK.matcher(doc);
    String config = null;
    record Run(String script, String expect) {}
    List<Run> runs = new ArrayList<>();
    while (m.find()) {
      if (m.group(1).equals("config")) {
        config = m.group(3);
      } else {
        String expect = m.group(2);
        if (expect != null && expect.startsWith("\"") && expect.endsWith("\"")) {
          expect = expect.substring(1, expect.length() - 1).replace("\\\"", "\"");
        }
        runs.add(new Run(m.group(3), expect));
      }
    }
    assertThat(config).as("a config block").isNotNull();
    assertThat(runs).hasSizeGreaterThan(10);
    Files.createDirectories(work.resolve("config"));
    Files.writeString(work.resolve("config/config.yaml"), config);

    try (QuiverProcess node = new QuiverProcess(work, Map.of()).start()) {
      Path bin = work.resolve("bin");
      Files.createDirectories(bin);
      Path quiver = bin.resolve("quiver");
      Files.writeString(
          quiver, "#!/bin/sh\nexec " + QuiverProcess.home().resolve("bin/quiver") + " \"$@\"\n");
      quiver.toFile().setExecutable(true);
      for (Run r : runs) {
        String script = r.script().replace("localhost:6333", "127.0.0.1:" + node.httpPort);
        ProcessBuilder pb =
            new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", script)
                .directory(work.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("QDRANT"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        // a `quiver` started by a command must not take the test node's ports
        pb.environment().put("QDRANT__SERVICE__HOST", "127.0.0.1");
        pb.environment()
            .put("QDRANT__SERVICE__HTTP_PORT", String.valueOf(QuiverProcess.freePort()));
        pb.environment()
            .put("QDRANT__SERVICE__GRPC_PORT", String.valueOf(QuiverProcess.freePort()));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
          p.destroyForcibly();
        }
        assertThat(done).as("finished: %s", script).isTrue();
        assertThat(p.exitValue()).as("%s\n---\n%s", script, out).isZero();
        if (r.expect() != null) {
          assertThat(out).as("%s\n---\n%s", script, out).contains(r.expect());
        }
      }
    }
  }
}
