package dev.quiver.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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
import org.junit.jupiter.api.Test;

/**
 * The engine's packages form layers, each using only those below it: kernels and files at the
 * bottom, the graph and the inverted index over the vectors, the vector spaces over both, the shard
 * over the spaces, payloads and the WAL, the collection over its shards. Read from the sources'
 * imports, so a new import that crosses a layer upward fails here.
 */
class PackageLayersTest {
  private static final Map<String, Set<String>> ALLOWED =
      Map.of(
          "files", Set.of(),
          "vector", Set.of(),
          "payload", Set.of(),
          "wal", Set.of("files"),
          "hnsw", Set.of("vector"),
          "sparse", Set.of("vector"),
          "space", Set.of("vector", "hnsw", "sparse"),
          "shard", Set.of("files", "wal", "vector", "hnsw", "sparse", "space", "payload"),
          "collection",
              Set.of("files", "wal", "vector", "hnsw", "sparse", "space", "payload", "shard"));

  private static final Pattern IMPORT =
      Pattern.compile(
          "^import (?:static )?dev\\.quiver\\.storage\\.internal\\.(\\w+)\\.", Pattern.MULTILINE);

  @Test
  void everyPackageImportsOnlyTheLayersBelowIt() throws IOException {
    Path root = Path.of("src/main/java/dev/quiver/storage/internal");
    List<String> packages;
    try (Stream<Path> dirs = Files.list(root)) {
      packages = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    }
    assertThat(packages).containsExactlyInAnyOrderElementsOf(ALLOWED.keySet());
    var violations = new TreeSet<String>();
    for (String pkg : packages) {
      try (Stream<Path> files = Files.list(root.resolve(pkg))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = IMPORT.matcher(Files.readString(f, StandardCharsets.UTF_8));
          while (m.find()) {
            String used = m.group(1);
            if (!used.equals(pkg) && !ALLOWED.get(pkg).contains(used)) {
              violations.add(pkg + "/" + f.getFileName() + " uses " + used);
            }
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }
}
