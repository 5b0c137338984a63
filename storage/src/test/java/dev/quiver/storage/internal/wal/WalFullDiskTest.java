package dev.quiver.storage.internal.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WAL on a disk that fills up: the channels it appends through take only {@link #room} more
 * bytes, then fail as a full disk does ({@code ENOSPC}), part of a record written.
 */
class WalFullDiskTest {
  @TempDir Path dir;

  /** Bytes the disk still takes; negative for no limit. */
  private long room = -1;

  /** A real channel whose writes stop where {@link #room} runs out. */
  private final class Filling extends FileChannel {
    private final FileChannel ch;

    Filling(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (room < 0 || src.remaining() <= room) {
        int n = ch.write(src);
        if (room >= 0) {
          room -= n;
        }
        return n;
      }
      // what fits goes to the file, as a write(2) that meets a full disk half-way
      ByteBuffer part = src.slice().limit((int) room);
      int n = ch.write(part);
      src.position(src.position() + n);
      room = 0;
      throw new IOException("No space left on device");
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return ch.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return ch.read(dsts, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long position() throws IOException {
      return ch.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      ch.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return ch.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      ch.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      ch.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return ch.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) {
      throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) {
      throw new UnsupportedOperationException();
    }

    @Override
    protected void implCloseChannel() throws IOException {
      ch.close();
    }
  }

  private Wal open(List<String> replayed) {
    return Wal.open(
        dir,
        200,
        (op, body) -> replayed.add(op + ":" + new String(body, StandardCharsets.UTF_8)),
        (file, options) -> new Filling(FileChannel.open(file, (OpenOption[]) options)));
  }

  private static byte[] body(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private List<String> replay() {
    List<String> replayed = new ArrayList<>();
    Wal.open(dir, 200, (op, b) -> replayed.add(op + ":" + new String(b, StandardCharsets.UTF_8)))
        .close();
    return replayed;
  }

  private long segments() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  @Test
  void anAppendThatMeetsAFullDiskLeavesNoTornRecordBehind() {
    try (Wal wal = open(new ArrayList<>())) {
      wal.append(1, body("one"));
      wal.append(2, body("two"));
      room = 5; // the next record's header gets half-way
      assertThatThrownBy(() -> wal.append(3, body("three")))
          .isInstanceOf(StorageException.InsufficientStorage.class)
          .hasMessageContaining("No space left on device");
      room = -1; // space freed
      wal.append(4, body("four"));
      wal.force();
    }
    // a torn record 3 left in the middle would make the replay cut record 4 off with it
    assertThat(replay()).containsExactly("1:one", "2:two", "4:four");
  }

  @Test
  void aRollThatMeetsAFullDiskKeepsAppendingToTheCurrentSegment() throws IOException {
    try (Wal wal = open(new ArrayList<>())) {
      wal.append(1, body("x".repeat(150)));
      long before = segments();
      room = 4; // the next segment's header does not fit
      assertThatThrownBy(() -> wal.append(2, body("y".repeat(100))))
          .isInstanceOf(StorageException.InsufficientStorage.class);
      assertThat(segments()).as("no half-made segment left").isEqualTo(before);
      room = -1;
      wal.append(3, body("z".repeat(100)));
      wal.force();
      assertThat(segments()).isEqualTo(before + 1);
    }
    assertThat(replay()).containsExactly("1:" + "x".repeat(150), "3:" + "z".repeat(100));
  }
}
