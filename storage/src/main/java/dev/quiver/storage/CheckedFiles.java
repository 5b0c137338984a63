package dev.quiver.storage;

import dev.quiver.storage.internal.files.FileFormat;
import java.nio.file.Path;

/**
 * Small self-checking files for the modules above the engine: magic number, format version, length
 * and CRC32C around a body, written atomically (a reader sees the old or the new file, never a
 * mix), checked before the body is returned. The engine's own format, offered here so that no other
 * module reaches into it. Stateless, so thread-safe.
 */
public final class CheckedFiles {
  private CheckedFiles() {}

  /** Replaces {@code file} with {@code body} under {@code magic} and {@code version}. */
  public static void write(Path file, int magic, int version, byte[] body) {
    FileFormat.writeAtomically(file, magic, version, body);
  }

  /**
   * The body of a file written by {@link #write}; {@link StorageException.Corrupted} when the
   * magic, the length or the checksum is wrong or the version is above {@code maxVersion}.
   */
  public static byte[] read(Path file, int magic, int maxVersion) {
    return FileFormat.read(file, magic, maxVersion);
  }

  /** A file's format version (1 to the reader's newest) and its checked body. */
  public record Versioned(int version, byte[] body) {}

  /** As {@link #read}, with the version the file was written in, for readers of several. */
  public static Versioned readVersioned(Path file, int magic, int maxVersion) {
    var read = FileFormat.readVersioned(file, magic, maxVersion);
    return new Versioned(read.version(), read.body());
  }
}
