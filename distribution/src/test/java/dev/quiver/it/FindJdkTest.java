package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK finder that ./mvnw and bin/quiver share (build-support/find-jdk.sh), run by sh over fake
 * Java homes whose {@code bin/java} reports a version: JAVA_HOME wins when it is new enough, else
 * the first new enough home is taken, and none is an exit status of 1.
 */
class FindJdkTest {
  @TempDir Path dir;

  private Path fakeJdk(String name, int major) throws IOException {
    Path home = dir.resolve(name);
    Path java = home.resolve("bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(
        java,
        "#!/bin/sh\necho '    java.specification.version = " + major + "' >&2\n",
        StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  private record Run(int status, String out) {}

  /** A PATH with the tools the script uses and no java. */
  private Path toolsOnly() throws IOException {
    Path bin = dir.resolve("tools");
    if (!Files.isDirectory(bin)) {
      Files.createDirectories(bin);
      for (String tool : List.of("sed", "dirname", "ls")) {
        for (String at : List.of("/usr/bin/", "/bin/")) {
          if (Files.isExecutable(Path.of(at + tool))) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of(at + tool));
            break;
          }
        }
      }
    }
    return bin;
  }

  private Run find(String javaHome, Path... homes) throws Exception {
    Path script = Path.of("").toAbsolutePath().getParent().resolve("build-support/find-jdk.sh");
    StringBuilder cmd = new StringBuilder(". '" + script + "'; quiver_find_jdk 25");
    for (Path h : homes) {
      cmd.append(" '").append(h).append("'");
    }
    List<String> argv = new ArrayList<>(List.of("sh", "-c", cmd.toString()));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().remove("JAVA_HOME");
    if (javaHome != null) {
      pb.environment().put("JAVA_HOME", javaHome);
    }
    pb.environment().put("PATH", toolsOnly().toString()); // no java on the PATH
    pb.environment().put("HOME", "/nonexistent");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void takesJavaHomeWhenNewEnoughElseTheFirstNewEnoughHome() throws Exception {
    Path old = fakeJdk("jdk-17", 17);
    Path newer = fakeJdk("jdk-25", 25);
    Path newest = fakeJdk("jdk-26", 26);

    assertThat(find(newest.toString(), newer)).isEqualTo(new Run(0, newest.toString()));
    assertThat(find(old.toString(), old, newer, newest)).isEqualTo(new Run(0, newer.toString()));
    assertThat(find(null, old, newest)).isEqualTo(new Run(0, newest.toString()));
    assertThat(find(dir.resolve("missing").toString(), newer))
        .isEqualTo(new Run(0, newer.toString()));
  }

  @Test
  void noneNewEnoughIsAFailure() throws Exception {
    Path old = fakeJdk("jdk-17", 17);
    assertThat(find(old.toString(), old)).isEqualTo(new Run(1, ""));
    assertThat(find(null, old)).isEqualTo(new Run(1, ""));
  }
}
