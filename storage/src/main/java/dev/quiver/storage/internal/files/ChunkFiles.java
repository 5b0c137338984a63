package dev.quiver.storage.internal.files;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The layout the memory-mapped stores share: fixed-size records in chunk files named {@code
 * <prefix>-NNNNN.<extension>}, each a 64-byte header and then its records. Stateless (static
 * methods only), so thread-safe.
 */
public final class ChunkFiles {
  /** Bytes before a chunk's first record. */
  public static final long HEADER = 64;

  private ChunkFiles() {}

  /**
   * Creates chunk {@code file} (it must not exist) with its 64-byte header — {@code magic}, {@code
   * version}, two format parameters, and the CRC-32C of those 16 bytes at byte 60 — and maps its
   * {@code size} bytes, header included, in {@code arena}; the rest of the file stays sparse until
   * written.
   */
  public static MemorySegment create(
      Path file, int magic, int version, int first, int second, long size, Arena arena)
      throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      ByteBuffer header = ByteBuffer.allocate((int) HEADER).order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(magic).putInt(version).putInt(first).putInt(second);
      CRC32C crc = new CRC32C();
      crc.update(header.array(), 0, 16);
      header.putInt(60, (int) crc.getValue());
      header.rewind();
      while (header.hasRemaining()) {
        ch.write(header, header.position());
      }
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
    }
  }

  /**
   * Creates {@code dir} if needed and deletes the files in it whose names end in {@code suffix}.
   */
  public static void clear(Path dir, String suffix) throws IOException {
    Files.createDirectories(dir);
    try (Stream<Path> old = Files.list(dir)) {
      for (Path p : old.filter(p -> p.getFileName().toString().endsWith(suffix)).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * How many bytes of {@code file} hold the first {@code size} records, if it is one of the chunks
   * named {@code prefix-NNNNN.extension} in {@code dir}, else -1. A snapshot copies just these: a
   * chunk is mapped at its full size, mostly zeros while it fills.
   */
  public static long usedBytes(
      Path dir,
      Path file,
      String prefix,
      String extension,
      long size,
      int perChunk,
      long recordBytes) {
    if (!dir.equals(file.getParent())) {
      return -1;
    }
    String name = file.getFileName().toString();
    if (!name.matches(Pattern.quote(prefix) + "-\\d{5}\\." + Pattern.quote(extension))) {
      return -1;
    }
    int chunk = Integer.parseInt(name.substring(prefix.length() + 1, prefix.length() + 6));
    long inChunk = Math.clamp(size - (long) chunk * perChunk, 0, perChunk);
    return HEADER + inChunk * recordBytes;
  }
}
