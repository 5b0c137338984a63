package dev.quiver.storage.internal.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.collection.LocalRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process at a time opens a storage directory: a second open, in this process or another, is
 * refused before it touches a file, and the lock goes with its holder (closed or killed).
 */
class StorageLockTest {
  @TempDir Path dir;

  @Test
  void aSecondOpenInThisProcessIsRefusedUntilTheFirstCloses() {
    LocalRegistry first = LocalRegistry.open(dir);
    try {
      assertThatThrownBy(() -> LocalRegistry.open(dir))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("is in use by another process")
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
    } finally {
      first.close();
    }
    LocalRegistry.open(dir).close();
  }

  /** The real case: another node started on the same directory. */
  @Test
  void anotherProcessHoldingTheLockKeepsThisOneOutUntilItDies() throws Exception {
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Holder.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    try {
      var out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("locked");
      assertThatThrownBy(() -> StorageLock.acquire(dir))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("pid " + holder.pid());
    } finally {
      holder.destroyForcibly();
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    StorageLock.acquire(dir).close(); // a killed holder left no lock behind
  }

  /** Holds the lock of the directory given until it is killed. */
  static final class Holder {
    public static void main(String[] args) throws Exception {
      StorageLock.acquire(Path.of(args[0]));
      System.out.println("locked");
      System.out.flush();
      Thread.sleep(60_000);
    }
  }
}
