package dev.quiver.storage.internal.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Zip extraction and directory removal for snapshots and restores. An archive comes from a client
 * (an upload, a URL), so extraction is bounded: at most {@link #MAX_ENTRIES} entries, and never
 * more bytes than the target's disk can take while keeping {@link #DISK_RESERVE} free (a small
 * archive can expand a thousandfold). Its errors name entries, never this node's paths. Stateless
 * (static methods only), so thread-safe.
 */
public final class Archives {
  /** Entries one archive may hold (a collection snapshot holds a few dozen files a shard). */
  static final int MAX_ENTRIES = 100_000;

  /** Bytes an extraction always leaves free on the target's disk. */
  static final long DISK_RESERVE = 1L << 30;

  private Archives() {}

  /** Why an archive is refused; the message is safe to show a client. */
  static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /** Extracts a zip, refusing entries that would land outside {@code target} (zip slip). */
  public static void unzip(Path archive, Path target) throws IOException {
    unzip(archive, target, MAX_ENTRIES);
  }

  public static void unzip(Path archive, Path target, int maxEntries) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    Files.createDirectories(root);
    long room = Files.getFileStore(root).getUsableSpace() - DISK_RESERVE;
    long written = 0;
    int entries = 0;
    byte[] buf = new byte[1 << 16];
    try (var zip = new ZipInputStream(Files.newInputStream(archive))) {
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        if (++entries > maxEntries) {
          throw new Refused("the archive holds more than " + maxEntries + " entries");
        }
        Path out = root.resolve(e.getName()).normalize();
        if (!out.startsWith(root) || out.equals(root)) {
          throw new Refused("entry " + e.getName() + " points outside the archive");
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
          continue;
        }
        Files.createDirectories(out.getParent());
        try (OutputStream o = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW)) {
          int n;
          while ((n = zip.read(buf)) > 0) {
            written += n;
            if (written > room) {
              throw new Refused(
                  "the archive expands to more than the disk can hold (entry "
                      + e.getName()
                      + "; "
                      + (DISK_RESERVE >> 20)
                      + " MB are always kept free)");
            }
            o.write(buf, 0, n);
          }
        } catch (FileAlreadyExistsException dup) {
          throw new Refused("entry " + e.getName() + " appears twice");
        }
      }
    }
  }

  /** What went wrong reading an archive, without this node's paths. */
  public static String describe(IOException e) {
    if (e instanceof Refused || e instanceof ZipException) {
      return e.getMessage();
    }
    if (e instanceof FileSystemException f) {
      return f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
    }
    return e.getClass().getSimpleName();
  }

  public static void deleteRecursively(Path dir) throws IOException {
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
