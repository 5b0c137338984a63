package dev.quiver.storage.internal.files;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the disk under a directory has room for a write before it is logged. A write lands in the
 * WAL first and then in memory-mapped files (vectors, payloads, codes, graph links), and a mapped
 * page the file system cannot back is not an error a write can report: the JVM raises it as an
 * {@link InternalError} in the middle of the apply. So a write is logged only when the disk has
 * room for a few times its logged size ({@link #FACTOR}); one that has not is refused whole.
 * Thread-safe.
 */
public final class DiskRoom {
  /** Room asked per logged byte: the record, then the vectors, payloads and codes it holds. */
  public static final int FACTOR = 3;

  /** Room asked besides: a chunk header or two and a WAL segment's start. */
  public static final long MARGIN = 1 << 20;

  private final Path dir;
  private volatile FileStore store; // found at the first check

  public DiskRoom(Path dir) {
    this.dir = dir;
  }

  /**
   * Refuses ({@link StorageException.InsufficientStorage}) a write of {@code loggedBytes} when the
   * disk has less than {@code FACTOR * loggedBytes + MARGIN} free. A disk whose free space cannot
   * be read is let through (the write then meets whatever the file system says).
   */
  public void require(long loggedBytes) {
    long needed = FACTOR * loggedBytes + MARGIN;
    long free;
    try {
      FileStore s = store;
      if (s == null) {
        s = Files.getFileStore(dir);
        store = s;
      }
      free = s.getUsableSpace();
    } catch (IOException | SecurityException e) {
      return;
    }
    if (free < needed) {
      throw new StorageException.InsufficientStorage(
          "No space left on device: "
              + (free >> 10)
              + " KiB free, the write needs about "
              + (needed >> 10)
              + " KiB; free space and retry");
    }
  }
}
