package dev.quiver.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchTest {
  @TempDir Path tmp;

  @Test
  void aSweepDeletesOnlyTheDirectoriesOfItsPrefixWhoseOwnerIsGone() throws Exception {
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    String gone = Long.toString(ended.pid());
    String running = Long.toString(ProcessHandle.current().pid());
    Path killed = owned("bench-a", gone);
    Path live = owned("bench-b", running);
    Path kept = Files.createDirectories(tmp.resolve("bench-c").resolve("data"));
    Path other = owned("other-a", gone);

    assertThat(Scratch.sweep(tmp, "bench-")).isEqualTo(1);

    assertThat(killed).doesNotExist();
    assertThat(live).exists();
    assertThat(kept).exists();
    assertThat(other).exists();
  }

  @Test
  void aDirectoryThatIsNotKeptNamesThisProcessAsItsOwner() throws Exception {
    Path dir = Scratch.dir("quiver-scratch-test", false);
    try {
      assertThat(Files.readString(dir.resolve(Scratch.OWNER)))
          .isEqualTo(Long.toString(ProcessHandle.current().pid()));
      assertThat(Scratch.sweep(dir.getParent(), "quiver-scratch-test")).isZero();
      assertThat(dir).exists();
    } finally {
      Scratch.delete(dir);
    }
  }

  private Path owned(String name, String pid) throws Exception {
    Path d = Files.createDirectories(tmp.resolve(name).resolve("data"));
    Files.writeString(d.getParent().resolve(Scratch.OWNER), pid);
    return d.getParent();
  }
}
