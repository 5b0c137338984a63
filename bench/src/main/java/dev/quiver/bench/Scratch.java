package dev.quiver.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The benchmarks' working directories: created under the system's temporary directory and deleted
 * when the JVM exits (a load run leaves gigabytes of collections, WALs and snapshots), unless
 * {@code -Dbench.keep=true} keeps them for a look (server logs, JFR recordings). A run killed
 * before its exit hook ran leaves its directory behind: each directory that is not kept records the
 * process that owns it ({@value #OWNER}), and making a new one deletes those of the same prefix
 * whose owner is no longer running. Thread-safe, and safe across processes: a directory being made
 * has no owner file yet or names a running process, so no sweep deletes it.
 */
final class Scratch {
  /** The file in a directory that is not kept naming the process that deletes it at exit. */
  static final String OWNER = ".owner-pid";

  private Scratch() {}

  /** A new directory named {@code prefix...}, deleted at exit unless kept. */
  static Path dir(String prefix) throws IOException {
    return dir(prefix, Boolean.getBoolean("bench.keep"));
  }

  static Path dir(String prefix, boolean keep) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    int swept = sweep(tmp, prefix);
    if (swept > 0) {
      System.out.printf(
          Locale.ROOT, "deleted %d working directories left by runs that were killed%n", swept);
    }
    Path dir = Files.createTempDirectory(tmp, prefix);
    if (keep) {
      System.out.println("working directory (kept): " + dir);
    } else {
      Files.writeString(dir.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "delete " + dir));
    }
    return dir;
  }

  /**
   * Deletes the directories named {@code prefix...} under {@code parent} whose owner file names a
   * process that is not running; kept directories (no owner file) and those of running processes
   * stay. Returns how many it deleted.
   */
  static int sweep(Path parent, String prefix) throws IOException {
    int swept = 0;
    try (Stream<Path> dirs = Files.list(parent)) {
      for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
        Path owner = d.resolve(OWNER);
        long pid;
        try {
          pid = Long.parseLong(Files.readString(owner).strip());
        } catch (IOException | NumberFormatException e) {
          continue; // kept, or not a directory of ours, or being made right now
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        delete(d);
        swept++;
      }
    }
    return swept;
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
