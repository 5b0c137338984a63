package dev.quiver.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The benchmarks' working directories: created under the system's temporary directory and deleted
 * when the JVM exits (a load run leaves gigabytes of collections, WALs and snapshots), unless
 * {@code -Dbench.keep=true} keeps them for a look (server logs, JFR recordings).
 */
final class Scratch {
  private Scratch() {}

  /** A new directory named {@code prefix...}, deleted at exit unless kept. */
  static Path dir(String prefix) throws IOException {
    return dir(prefix, Boolean.getBoolean("bench.keep"));
  }

  static Path dir(String prefix, boolean keep) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    if (keep) {
      System.out.println("working directory (kept): " + dir);
    } else {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "delete " + dir));
    }
    return dir;
  }

  /** Deletes {@code dir} and everything under it; what cannot be deleted is left. */
  static void delete(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // a file still open by a process being stopped: left behind
                }
              });
    } catch (IOException | UncheckedIOException e) {
      // already gone or unreadable: nothing more to do
    }
  }
}
