package dev.quiver.storage.internal.files;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.util.Locale;

/**
 * What a failed write to the storage disk becomes for the caller: a full disk (or a user's disk
 * quota) is {@link StorageException.InsufficientStorage} (507: free space and retry), anything else
 * an I/O failure (500). Stateless, so thread-safe.
 */
public final class WriteFailures {
  private WriteFailures() {}

  /** Whether the OS refused the write for want of space ({@code ENOSPC}, {@code EDQUOT}). */
  public static boolean diskFull(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null) {
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("no space left on device") || lower.contains("disk quota exceeded")) {
          return true;
        }
      }
    }
    return false;
  }

  /** The exception for a failed write of {@code what} (e.g. "the WAL of shard 0"). */
  public static StorageException of(String what, IOException e) {
    if (diskFull(e)) {
      return new StorageException.InsufficientStorage(
          "No space left on device: " + what + " could not be written; free space and retry");
    }
    return new StorageException.Io(what + " could not be written: " + e.getMessage(), e);
  }
}
