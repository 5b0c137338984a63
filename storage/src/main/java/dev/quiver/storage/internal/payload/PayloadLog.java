package dev.quiver.storage.internal.payload;

import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import dev.quiver.storage.internal.files.ChunkFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A shard's payloads on disk: encoded payloads ({@link PayloadBytes}) appended to memory-mapped
 * chunk files ({@code payloads-NNNNN.qpl}, a versioned 64-byte header each), the heap holding only
 * a {@link Ref} a point. Bytes once written are never written again: a payload replaced or deleted
 * leaves dead bytes in its chunk, and a chunk mostly dead is {@linkplain #victims() given up} once
 * its live payloads have been appended again elsewhere. A reader holding an old {@link Ref} keeps
 * its chunk mapped (each chunk is mapped in an automatic arena, unmapped by the collector when no
 * reference is left), so reads need no lock and no epoch, and never see bytes change.
 *
 * <p>Like the graph's files, these are working storage: payloads are persisted in the shard's
 * checkpoint and its WAL, appended again when the shard opens, and the files a previous run left
 * are deleted, never read.
 *
 * <p>Thread-safety: {@link #append}, {@link #release} and {@link #drop} must be serialised by the
 * caller (the shard's write lock); {@link Ref#bytes()} and {@link Ref#payload()} may run on any
 * thread at any time.
 */
public final class PayloadLog {
  static final int MAGIC = 0x51504C44; // "QPLD"
  static final int VERSION = 1;
  static final long HEADER = ChunkFiles.HEADER;

  /** A chunk's size; a payload larger than a chunk gets a chunk of its own size. */
  static final long CHUNK_BYTES = 64L << 20;

  /** Dead bytes a chunk must hold, as a share of what was written to it, to be given up. */
  static final double DEAD_SHARE = 0.5;

  /** Dead bytes in the whole log below which nothing is given up. */
  private final long minDeadBytes;

  private final Path dir;
  private final long chunkBytes;
  private final List<Chunk> chunks = new ArrayList<>();
  private Chunk tail;
  private int nextIndex;
  private long dead;

  /** A chunk file: its mapping, where its next payload goes, and the bytes of its dead payloads. */
  public static final class Chunk {
    private final Path file;
    private final MemorySegment segment;
    private long end = HEADER;
    private long dead;

    private Chunk(Path file, MemorySegment segment) {
      this.file = file;
      this.segment = segment;
    }

    private long written() {
      return end - HEADER;
    }
  }

  /**
   * Where one payload's encoded bytes are. Immutable; holding it keeps the bytes readable.
   *
   * @param chunk its chunk
   * @param offset its first byte in the chunk
   * @param length its length in bytes
   */
  public record Ref(Chunk chunk, int offset, int length) {
    /** The encoded payload. */
    public byte[] bytes() {
      return chunk.segment.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The payload, decoded. */
    public Value.Struct payload() {
      return PayloadBytes.decode(bytes());
    }
  }

  /**
   * A log in {@code dir} (created if needed; the payload files an earlier run left there deleted)
   * with chunks of {@code chunkBytes}, giving up chunks once {@code minDeadBytes} are dead.
   */
  public PayloadLog(Path dir, long chunkBytes, long minDeadBytes) {
    if (chunkBytes <= HEADER || chunkBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a chunk holds more than its header and at most 2 GiB");
    }
    this.dir = dir;
    this.chunkBytes = chunkBytes;
    this.minDeadBytes = minDeadBytes;
    try {
      ChunkFiles.clear(dir, ".qpl");
    } catch (IOException e) {
      throw new StorageException.Io("cannot prepare payload files in " + dir, e);
    }
  }

  /** A log with 64 MiB chunks that gives up chunks once 64 MiB are dead. */
  public PayloadLog(Path dir) {
    this(dir, CHUNK_BYTES, CHUNK_BYTES);
  }

  /**
   * Writes {@code encoded} (at most 2 GiB less the header: a request body is far smaller) and says
   * where it is.
   */
  public Ref append(byte[] encoded) {
    long need = encoded.length;
    if (tail == null || tail.end + need > tail.segment.byteSize()) {
      tail = newChunk(Math.max(chunkBytes, HEADER + need));
    }
    int at = (int) tail.end;
    MemorySegment.copy(encoded, 0, tail.segment, ValueLayout.JAVA_BYTE, at, encoded.length);
    tail.end += need;
    return new Ref(tail, at, encoded.length);
  }

  /** Counts {@code ref}'s bytes as dead: its point's payload was replaced or the point deleted. */
  public void release(Ref ref) {
    ref.chunk.dead += ref.length;
    dead += ref.length;
  }

  /**
   * The chunks worth giving up: none while fewer than the minimum bytes are dead in the log, else
   * every full chunk (not the one being written) whose dead bytes are at least {@link #DEAD_SHARE}
   * of what was written to it. The caller appends their live payloads again and then {@link #drop}s
   * them.
   */
  public Set<Chunk> victims() {
    if (dead < minDeadBytes) {
      return Set.of();
    }
    Set<Chunk> out = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Chunk c : chunks) {
      if (c != tail && c.dead >= DEAD_SHARE * c.written()) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Forgets {@code victims}, whose live payloads have all been appended again, and deletes their
   * files; the mappings go when the last reader's {@link Ref} does.
   */
  public void drop(Set<Chunk> victims) {
    for (Chunk c : victims) {
      if (chunks.remove(c)) {
        dead -= c.dead;
        try {
          Files.deleteIfExists(c.file);
        } catch (IOException e) {
          throw new StorageException.Io("cannot delete payload chunk " + c.file, e);
        }
      }
    }
  }

  /** Bytes of dead payloads in the chunks kept. */
  public long deadBytes() {
    return dead;
  }

  /** Chunk files kept. */
  public int chunkCount() {
    return chunks.size();
  }

  private Chunk newChunk(long size) {
    Path file = dir.resolve(String.format(Locale.ROOT, "payloads-%05d.qpl", nextIndex++));
    try {
      // an automatic arena: a chunk given up stays mapped while a reader still holds a Ref to it
      MemorySegment segment =
          ChunkFiles.create(file, MAGIC, VERSION, (int) (size >> 10), 0, size, Arena.ofAuto());
      Chunk c = new Chunk(file, segment);
      chunks.add(c);
      return c;
    } catch (IOException e) {
      throw new StorageException.Io("cannot map payload chunk " + file + ": " + e.getMessage(), e);
    }
  }
}
