package dev.quiver.storage.internal.files;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Small self-checking files: {@code [magic u32][version u32][length u32][body][crc32c u32]}, the
 * CRC over everything before it. Written atomically (temporary file, fsync, rename, fsync of the
 * directory), so a reader sees the old or the new content, never a mix. Stateless (static methods
 * only), so thread-safe.
 */
public final class FileFormat {
  private static final int HEADER = 12;

  private FileFormat() {}

  public static void writeAtomically(Path file, int magic, int version, byte[] body) {
    ByteBuffer buf = ByteBuffer.allocate(HEADER + body.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(magic).putInt(version).putInt(body.length).put(body);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, buf.position());
    buf.putInt((int) crc.getValue());
    buf.flip();
    replace(
        file,
        ch -> {
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
        });
  }

  /** Writes a file's content into its channel. */
  public interface ChannelWriter {
    void write(FileChannel ch) throws IOException;
  }

  /**
   * Replaces {@code file} atomically: the content is written to a temporary sibling, forced,
   * renamed over the file, and the directory is fsynced, so a reader sees the old or the new
   * content, never a mix.
   */
  public static void replace(Path file, ChannelWriter writer) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        writer.write(ch);
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      fsyncDirectory(file.getParent());
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp); // a part-written copy would only take space (a full disk)
      } catch (IOException ignored) {
        // the next replace truncates it
      }
      throw WriteFailures.of(file.toString(), e);
    }
  }

  /** Reads and verifies a file written by {@link #writeAtomically}; returns its body. */
  public static byte[] read(Path file, int magic, int maxVersion) {
    return readVersioned(file, magic, maxVersion).body();
  }

  /** A checked file's format version and body. */
  public record Versioned(int version, byte[] body) {}

  /** As {@link #read}, with the version the file was written in. */
  public static Versioned readVersioned(Path file, int magic, int maxVersion) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new StorageException.Io("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (all.length < HEADER + 4) {
      throw new StorageException.Corrupted(file, "too short (" + all.length + " bytes)");
    }
    ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    if (buf.getInt() != magic) {
      throw new StorageException.Corrupted(file, "wrong magic number");
    }
    int version = buf.getInt();
    if (version < 1 || version > maxVersion) {
      throw new StorageException.Corrupted(file, "unsupported format version " + version);
    }
    int length = buf.getInt();
    if (length < 0 || length != all.length - HEADER - 4) {
      throw new StorageException.Corrupted(file, "length " + length + " does not match file size");
    }
    CRC32C crc = new CRC32C();
    crc.update(all, 0, HEADER + length);
    int stored = ByteBuffer.wrap(all, HEADER + length, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (stored != (int) crc.getValue()) {
      throw new StorageException.Corrupted(file, "checksum mismatch");
    }
    byte[] body = new byte[length];
    System.arraycopy(all, HEADER, body, 0, length);
    return new Versioned(version, body);
  }

  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
