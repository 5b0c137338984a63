package dev.quiver.storage.internal.files;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock a process holds on a storage directory while it has it open ({@code .lock} in
 * it, with the holder's pid for whoever finds it). A second process (or a second open in the same
 * process) is refused before it reads or writes anything: two writers of the same files would
 * corrupt them. The operating system releases the lock when its holder dies, so a killed node
 * leaves nothing to clean up. Thread-safe.
 */
public final class StorageLock implements AutoCloseable {
  static final String FILE = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private StorageLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock of {@code root} (created if needed); refused while anyone else holds it. */
  public static StorageLock acquire(Path root) {
    Path file = root.resolve(FILE);
    FileChannel channel;
    try {
      Files.createDirectories(root);
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StorageException.Io("cannot open " + file + ": " + e.getMessage(), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this process holds it already
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageException.Io("cannot lock " + file + ": " + e.getMessage(), e);
    }
    if (lock == null) {
      String holder = holder(channel);
      closeQuietly(channel);
      throw new StorageException.BadInput(
          "the storage at "
              + root
              + " is in use by another process"
              + (holder.isEmpty() ? "" : " (pid " + holder + ")")
              + "; stop it first, or give this node a storage directory of its own");
    }
    try {
      byte[] pid = Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
    } catch (IOException e) {
      // the pid is a courtesy to whoever finds the lock; the lock itself holds
    }
    return new StorageLock(channel, lock);
  }

  private static String holder(FileChannel channel) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(20);
      channel.read(buf, 0);
      String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
      return text.matches("\\d{1,19}") ? text : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing held yet
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }
}
