package dev.quiver.storage.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Zip extraction and directory removal for snapshots and restores. */
final class Archives {
  private Archives() {}

  /** Extracts a zip, refusing entries that would land outside {@code target} (zip slip). */
  static void unzip(Path archive, Path target) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    try (var zip = new java.util.zip.ZipInputStream(Files.newInputStream(archive))) {
      java.util.zip.ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        Path out = root.resolve(e.getName()).normalize();
        if (!out.startsWith(root) || out.equals(root)) {
          throw new IOException("entry " + e.getName() + " points outside the archive");
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(zip, out);
        }
      }
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
