package dev.quiver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks that the subpackages of one package form the layers a test declares: read from the main
 * sources' imports, every subpackage is declared, and each imports only the subpackages it is
 * allowed to (the enclosing package's own classes count as the subpackage {@code ""}).
 */
public final class PackageLayers {
  private PackageLayers() {}

  /**
   * @param sources the module's main sources ({@code src/main/java})
   * @param pkg the enclosing package, e.g. {@code dev.quiver.storage.internal}
   * @param allowed each subpackage and the subpackages it may import
   */
  public static void check(Path sources, String pkg, Map<String, Set<String>> allowed) {
    Path root = sources.resolve(pkg.replace('.', '/'));
    Pattern imports =
        Pattern.compile(
            "^import (?:static )?" + Pattern.quote(pkg) + "\\.(?:([a-z]\\w*)\\.)?[A-Z]",
            Pattern.MULTILINE);
    try {
      List<String> packages;
      try (Stream<Path> dirs = Files.list(root)) {
        packages = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
      }
      var declared = new TreeSet<>(allowed.keySet());
      declared.remove("");
      assertThat(packages).containsExactlyInAnyOrderElementsOf(declared);
      var violations = new TreeSet<String>();
      for (String sub : allowed.keySet()) {
        Path dir = sub.isEmpty() ? root : root.resolve(sub);
        try (Stream<Path> files = Files.list(dir)) {
          for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
            Matcher m = imports.matcher(Files.readString(f, StandardCharsets.UTF_8));
            while (m.find()) {
              String used = m.group(1) == null ? "" : m.group(1);
              if (!used.equals(sub) && !allowed.get(sub).contains(used)) {
                violations.add(
                    (sub.isEmpty() ? "(root)" : sub)
                        + "/"
                        + f.getFileName()
                        + " uses "
                        + (used.isEmpty() ? "(root)" : used));
              }
            }
          }
        }
      }
      assertThat(violations).isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
