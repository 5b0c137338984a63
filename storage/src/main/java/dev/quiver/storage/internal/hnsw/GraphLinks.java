package dev.quiver.storage.internal.hnsw;

import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.files.ChunkFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The neighbour lists of an HNSW graph, each sorted best first with the similarities to its node.
 * The bottom layer, which every node has, lives off the Java heap in memory-mapped chunk files
 * ({@code links-NNNNN.hnsw} in the graph's own directory): one fixed-size record a node, {@code
 * [levels u8 | count u24][ids i32 × capacity][similarities f32 × capacity]} with {@code capacity =
 * 2m}. The upper layers hold about one node in {@code m} and stay on the heap as immutable arrays.
 * So a million-node graph costs the heap a few bytes a node (a reference slot, and the upper lists
 * of the few nodes that have them).
 *
 * <p>The files are working storage: the graph is persisted in a shard's checkpoint and read back
 * into fresh files when the shard opens, so the files of a previous run are deleted, never read.
 * Each chunk still starts with a versioned 64-byte header (magic, version, capacity, records a
 * chunk, CRC-32C of the header) so that a file is recognisable on disk.
 *
 * <p>Thread-safety: writes to one node's lists must be serialised by the caller (the index locks
 * the node); any number of readers read without locks. A record is rewritten in place: the members
 * and similarities first, then its header with release semantics, read with acquire. A reader
 * racing a rewrite may see members of both the old and the new list, each of them a node that was
 * in the graph when it was linked; the walk's visited set absorbs a duplicate, and a search is
 * approximate anyway. The chunk table and the upper-layer pages are replaced copy-on-write, so
 * nothing a reader holds is moved.
 */
final class GraphLinks implements AutoCloseable {
  static final int MAGIC = 0x514C4E4B; // "QLNK"
  static final int VERSION = 1;
  private static final long HEADER = ChunkFiles.HEADER;
  private static final int PAGE = 1 << 12;

  /** Records a chunk at most; fewer when a record is large, so that a chunk stays near 64 MiB. */
  static final int CHUNK_NODES = 1 << 14;

  private static final long CHUNK_BYTES_TARGET = 64L << 20;
  private static final VarHandle HEADER_INT = ValueLayout.JAVA_INT.varHandle();

  /**
   * A node's list on one upper layer, with the similarities to the node, best first. Immutable;
   * replaced whole.
   */
  record Links(int[] ids, float[] sims) {
    static final Links EMPTY = new Links(new int[0], new float[0]);
  }

  private final Path dir;
  private final int capacity;
  private final long recordBytes;
  private final int perChunk;
  private final Arena arena = Arena.ofShared();
  private final Object growLock = new Object();
  private volatile MemorySegment[] chunks = new MemorySegment[0];

  /** node -> its lists on layers 1.. (index {@code level - 1}); null for a bottom-layer node. */
  private volatile AtomicReferenceArray<Links[]>[] upper = newPages(0);

  /**
   * Opens empty lists of {@code capacity} members on the bottom layer in {@code dir}, deleting what
   * an earlier run left there.
   */
  GraphLinks(Path dir, int capacity) {
    this.dir = dir;
    this.capacity = capacity;
    this.recordBytes = 4 + 8L * capacity;
    this.perChunk = (int) Math.clamp(CHUNK_BYTES_TARGET / recordBytes, 1, CHUNK_NODES);
    try {
      ChunkFiles.clear(dir, ".hnsw");
    } catch (IOException e) {
      throw new StorageException.Io(
          "cannot prepare graph storage in " + dir + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static AtomicReferenceArray<Links[]>[] newPages(int n) {
    return new AtomicReferenceArray[n];
  }

  /** Members a bottom-layer list holds at most. */
  int capacity() {
    return capacity;
  }

  private MemorySegment chunk(int node) {
    MemorySegment[] c = chunks;
    int i = node / perChunk;
    return i < c.length ? c[i] : null;
  }

  private long offset(int node) {
    return HEADER + (node % perChunk) * recordBytes;
  }

  private int header(int node) {
    MemorySegment c = chunk(node);
    return c == null ? 0 : (int) HEADER_INT.getAcquire(c, offset(node));
  }

  /** Layers {@code node} is on (its top layer + 1), 0 when it is not in the graph. */
  int levels(int node) {
    return header(node) >>> 24;
  }

  boolean contains(int node) {
    return levels(node) > 0;
  }

  /**
   * Puts {@code node} in the graph on {@code levels} layers with empty lists (a slot used again
   * starts afresh).
   */
  void init(int node, int levels) {
    if (levels < 1 || levels > 255) {
      throw new IllegalArgumentException("levels " + levels);
    }
    reserve(node);
    if (levels > 1) {
      Links[] lists = new Links[levels - 1];
      Arrays.fill(lists, Links.EMPTY);
      upper[node / PAGE].set(node % PAGE, lists);
    } else {
      setUpper(node, null);
    }
    HEADER_INT.setRelease(chunk(node), offset(node), levels << 24);
  }

  /** Takes {@code node} out of the graph: no layer, no lists. */
  void clear(int node) {
    MemorySegment c = chunk(node);
    if (c != null) {
      HEADER_INT.setRelease(c, offset(node), 0);
      setUpper(node, null);
    }
  }

  private void setUpper(int node, Links[] lists) {
    AtomicReferenceArray<Links[]>[] p = upper;
    if (node / PAGE < p.length) {
      p[node / PAGE].set(node % PAGE, lists);
    }
  }

  /**
   * Copies {@code node}'s list on {@code level} into {@code ids} (and {@code sims} unless null), at
   * most their length; returns how many members it copied.
   */
  int read(int node, int level, int[] ids, float[] sims) {
    if (level > 0) {
      Links l = upperList(node, level);
      int n = Math.min(l.ids().length, ids.length);
      System.arraycopy(l.ids(), 0, ids, 0, n);
      if (sims != null) {
        System.arraycopy(l.sims(), 0, sims, 0, n);
      }
      return n;
    }
    MemorySegment c = chunk(node);
    if (c == null) {
      return 0;
    }
    long at = offset(node);
    int h = (int) HEADER_INT.getAcquire(c, at);
    if (h == 0) {
      return 0;
    }
    int n = Math.min(Math.min(h & 0xFFFFFF, capacity), ids.length);
    MemorySegment.copy(c, ValueLayout.JAVA_INT, at + 4, ids, 0, n);
    if (sims != null) {
      MemorySegment.copy(c, ValueLayout.JAVA_FLOAT, at + 4 + 4L * capacity, sims, 0, n);
    }
    return n;
  }

  /** {@code node}'s list on {@code level} as new arrays (empty when it has none). */
  Links get(int node, int level) {
    if (level > 0) {
      return upperList(node, level);
    }
    int[] ids = new int[capacity];
    float[] sims = new float[capacity];
    int n = read(node, 0, ids, sims);
    return new Links(Arrays.copyOf(ids, n), Arrays.copyOf(sims, n));
  }

  private Links upperList(int node, int level) {
    AtomicReferenceArray<Links[]>[] p = upper;
    Links[] lists = node / PAGE < p.length ? p[node / PAGE].get(node % PAGE) : null;
    // a node taken out while a search stood on it has no neighbours
    return lists != null && level - 1 < lists.length ? lists[level - 1] : Links.EMPTY;
  }

  /**
   * Replaces {@code node}'s list on {@code level} by the first {@code count} members of {@code ids}
   * and {@code sims}; a node no longer in the graph is left alone.
   */
  void write(int node, int level, int[] ids, float[] sims, int count) {
    int h = header(node);
    int levels = h >>> 24;
    if (levels <= level) {
      return;
    }
    if (level > 0) {
      Links[] lists = upper[node / PAGE].get(node % PAGE).clone();
      lists[level - 1] = new Links(Arrays.copyOf(ids, count), Arrays.copyOf(sims, count));
      upper[node / PAGE].set(node % PAGE, lists);
      return;
    }
    if (count > capacity) {
      throw new IllegalArgumentException(count + " neighbours, capacity " + capacity);
    }
    MemorySegment c = chunk(node);
    long at = offset(node);
    MemorySegment.copy(ids, 0, c, ValueLayout.JAVA_INT, at + 4, count);
    MemorySegment.copy(sims, 0, c, ValueLayout.JAVA_FLOAT, at + 4 + 4L * capacity, count);
    HEADER_INT.setRelease(c, at, (levels << 24) | count);
  }

  /** Makes room for {@code node}: maps the chunk that holds it and the upper-layer page. */
  private void reserve(int node) {
    if (node / perChunk < chunks.length && node / PAGE < upper.length) {
      return;
    }
    synchronized (growLock) {
      while (node / perChunk >= chunks.length) {
        chunks = append(chunks, map(chunks.length));
      }
      if (node / PAGE >= upper.length) {
        AtomicReferenceArray<Links[]>[] next = Arrays.copyOf(upper, node / PAGE + 1);
        for (int i = upper.length; i < next.length; i++) {
          next[i] = new AtomicReferenceArray<>(PAGE);
        }
        upper = next;
      }
    }
  }

  private static MemorySegment[] append(MemorySegment[] chunks, MemorySegment next) {
    MemorySegment[] out = Arrays.copyOf(chunks, chunks.length + 1);
    out[chunks.length] = next;
    return out;
  }

  private MemorySegment map(int index) {
    Path file = dir.resolve(String.format(Locale.ROOT, "links-%05d.hnsw", index));
    try {
      return ChunkFiles.create(
          file, MAGIC, VERSION, capacity, perChunk, HEADER + perChunk * recordBytes, arena);
    } catch (IOException e) {
      throw new StorageException.Io("cannot map graph chunk " + file + ": " + e.getMessage(), e);
    }
  }

  /** Bytes of the bottom layer's records a node takes in the files. */
  long recordBytes() {
    return recordBytes;
  }

  /** Unmaps the files; no read or write may follow. */
  @Override
  public void close() {
    arena.close();
  }
}
