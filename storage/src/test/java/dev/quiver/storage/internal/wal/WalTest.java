package dev.quiver.storage.internal.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalTest {
  @TempDir Path dir;

  private record Rec(long op, String body) {}

  private List<Rec> reopen(long capacity) {
    List<Rec> seen = new ArrayList<>();
    Wal wal =
        Wal.open(
            dir,
            capacity,
            (op, body) -> seen.add(new Rec(op, new String(body, StandardCharsets.UTF_8))));
    wal.close();
    return seen;
  }

  private void write(long capacity, int from, int to) {
    try (Wal wal = Wal.open(dir, capacity, (op, body) -> {})) {
      for (int i = from; i <= to; i++) {
        wal.append(i, ("op-" + i).getBytes(StandardCharsets.UTF_8));
      }
      assertThat(wal.force()).isEqualTo(to);
    }
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void replaysEverythingInOrderAcrossReopens() {
    write(1 << 20, 1, 10);
    write(1 << 20, 11, 12);
    List<Rec> seen = reopen(1 << 20);
    assertThat(seen)
        .extracting(Rec::op)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    assertThat(seen.get(4).body()).isEqualTo("op-5");
  }

  @Test
  void rollsSegmentsAtCapacity() throws IOException {
    write(64, 1, 20);
    assertThat(segments()).hasSizeGreaterThan(5);
    assertThat(reopen(64)).hasSize(20);
  }

  @Test
  void tornTailIsCutAndEarlierRecordsSurvive() throws IOException {
    write(1 << 20, 1, 5);
    Path seg = segments().getLast();
    long size = Files.size(seg);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(size - 3); // crash in the middle of writing op 5
    }
    assertThat(reopen(1 << 20)).extracting(Rec::op).containsExactly(1L, 2L, 3L, 4L);
    write(1 << 20, 5, 6); // appends continue cleanly after the cut
    assertThat(reopen(1 << 20)).extracting(Rec::op).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void flippedBitInTheLastRecordIsCut() throws IOException {
    write(1 << 20, 1, 3);
    Path seg = segments().getLast();
    byte[] all = Files.readAllBytes(seg);
    all[all.length - 1] ^= 1;
    Files.write(seg, all);
    assertThat(reopen(1 << 20)).extracting(Rec::op).containsExactly(1L, 2L);
  }

  @Test
  void corruptionInAnOlderSegmentIsAnError() throws IOException {
    write(64, 1, 10);
    Path first = segments().getFirst();
    byte[] all = Files.readAllBytes(first);
    all[all.length - 1] ^= 1;
    Files.write(first, all);
    assertThatThrownBy(() -> reopen(64))
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining(first.getFileName().toString());
  }

  @Test
  void foreignFileIsRejected() throws IOException {
    Files.writeString(dir.resolve("00000000000000000001.wal"), "definitely not a WAL segment");
    assertThatThrownBy(() -> reopen(1 << 20))
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining("magic");
  }

  @Test
  void aCheckpointKeepsTheLastClosedSegmentsAskedForAndTheyReplayHarmlessly() throws IOException {
    try (Wal wal = Wal.open(dir, 200, (op, body) -> {})) {
      for (int i = 1; i <= 40; i++) {
        wal.append(i, ("op-" + i).getBytes(StandardCharsets.UTF_8));
      }
      wal.force();
      int before = wal.segmentCount();
      assertThat(before).isGreaterThan(3);
      wal.dropCovered(2);
      // the new segment, and the two closed ones before it
      assertThat(wal.segmentCount()).isEqualTo(3);
      assertThat(wal.uncoveredSegments()).isEqualTo(1);
      assertThat(segments()).hasSize(3);
      wal.dropCovered(0);
      assertThat(segments()).hasSize(1);
      assertThat(wal.uncoveredSegments()).isEqualTo(1);
    }
  }
}
