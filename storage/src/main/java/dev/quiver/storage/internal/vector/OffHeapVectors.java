package dev.quiver.storage.internal.vector;

import dev.quiver.storage.Distance;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.internal.files.ChunkFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fixed-dimension vectors off the Java heap, in memory-mapped chunk files of {@value
 * #CHUNK_VECTORS} vectors each ({@code chunk-NNNNN.vec}, a 64-byte header with magic, version,
 * dimension, vectors per chunk and, from version 2, the datatype; then the vectors). Growing maps a
 * new chunk; nothing is ever copied. Float32 distances are computed on the mapped memory with the
 * Vector API; float16 and uint8 vectors (2 and 1 bytes a component) are widened to floats first.
 *
 * <p>Thread-safety: one writer appends ({@link #add}); any number of readers may read slots that
 * were published to them (by a volatile write or a lock) after they were written. The chunk table
 * is replaced copy-on-write.
 *
 * <p>Slots are append-only and never rewritten, so a shard checkpoint only has to force the chunks
 * and record the size; vectors past it are rewritten, identically, by the WAL replay.
 */
// enums are written by ordinal: their order is part of the format (EnumCodesTest pins it)
@SuppressWarnings("EnumOrdinal")
public final class OffHeapVectors implements AutoCloseable {
  static final int MAGIC = 0x51564543; // "QVEC"
  static final int VERSION = 2;
  public static final int CHUNK_VECTORS = 1 << 14;
  private static final long HEADER = ChunkFiles.HEADER;
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final ValueLayout.OfFloat FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
  private static final ValueLayout.OfShort SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

  private final Path dir;
  private final int dim;
  private final VectorDatatype datatype;
  private final long vectorBytes;

  /** Widened vectors of a narrow datatype, one per searching thread. */
  private final ThreadLocal<float[]> widened;

  private final Arena arena = Arena.ofShared();
  private volatile MemorySegment[] chunks = new MemorySegment[0];
  private volatile int size;

  public OffHeapVectors(Path dir, int dim) {
    this(dir, dim, 0);
  }

  /**
   * Opens the chunks of {@code dir}, keeping the first {@code restoredSize} vectors (from a
   * checkpoint); with 0, any old chunks are deleted.
   */
  public OffHeapVectors(Path dir, int dim, int restoredSize) {
    this(dir, dim, restoredSize, VectorDatatype.FLOAT32);
  }

  /** As above, the components stored as {@code datatype}. */
  public OffHeapVectors(Path dir, int dim, int restoredSize, VectorDatatype datatype) {
    this.dir = dir;
    this.dim = dim;
    this.datatype = datatype;
    this.vectorBytes = (long) dim * datatype.bytes();
    this.widened = ThreadLocal.withInitial(() -> new float[dim]);
    try {
      if (restoredSize == 0) {
        ChunkFiles.clear(dir, ".vec");
      } else {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new StorageException.Io(
          "cannot prepare vector storage in " + dir + ": " + e.getMessage(), e);
    }
    int needed = (restoredSize + CHUNK_VECTORS - 1) / CHUNK_VECTORS;
    for (int i = 0; i < needed; i++) {
      checkHeader(dir.resolve(String.format(Locale.ROOT, "chunk-%05d.vec", i)));
      grow();
      MemorySegment seg = chunks[i];
      int version = seg.get(ValueLayout.JAVA_INT, 4);
      int stored = version >= 2 ? seg.get(ValueLayout.JAVA_INT, 16) : 0; // version 1: float32
      if (seg.get(ValueLayout.JAVA_INT, 0) != MAGIC
          || seg.get(ValueLayout.JAVA_INT, 8) != dim
          || version > VERSION
          || stored != datatype.ordinal()) {
        throw new StorageException.Corrupted(
            dir.resolve(String.format(Locale.ROOT, "chunk-%05d.vec", i)),
            "not a vector chunk of dimension " + dim + " and datatype " + datatype.wireName());
      }
    }
    this.size = restoredSize;
  }

  /**
   * Refuses a restored chunk whose header is not this store's (another dimension or datatype, a
   * newer version), before it is mapped at this store's size.
   */
  private void checkHeader(Path file) {
    var header = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (header.hasRemaining() && ch.read(header) >= 0) {
        // read the header's 20 bytes
      }
    } catch (IOException e) {
      throw new StorageException.Corrupted(file, "cannot read the header: " + e.getMessage());
    }
    header.flip();
    if (header.remaining() < 20) {
      throw new StorageException.Corrupted(file, "shorter than its header");
    }
    int magic = header.getInt(0);
    int version = header.getInt(4);
    int stored = version >= 2 ? header.getInt(16) : 0; // version 1: float32
    if (magic != MAGIC
        || header.getInt(8) != dim
        || version > VERSION
        || stored != datatype.ordinal()) {
      throw new StorageException.Corrupted(
          file, "not a vector chunk of dimension " + dim + " and datatype " + datatype.wireName());
    }
  }

  /**
   * How many bytes of {@code file} hold vectors now, if it is one of this store's chunks (its
   * header and the slots below {@link #size()}), else -1. A snapshot copies just these: a chunk is
   * mapped at its full size, mostly zeros while it fills (4 GiB for 65,536-d vectors).
   */
  public long usedBytes(Path file) {
    return ChunkFiles.usedBytes(dir, file, "chunk", "vec", size, CHUNK_VECTORS, vectorBytes);
  }

  /** Reads every mapped chunk into memory now (vectors kept in RAM: {@code on_disk} false). */
  public void load() {
    for (MemorySegment seg : chunks) {
      seg.load();
    }
  }

  /** Forces the mapped chunks to disk. */
  public void force() {
    for (MemorySegment seg : chunks) {
      seg.force();
    }
  }

  public int dim() {
    return dim;
  }

  public int size() {
    return size;
  }

  /** Appends a vector; returns its slot. Single writer. */
  public int add(float[] v) {
    assert v.length == dim : "dimension " + v.length + " != " + dim;
    int slot = size;
    int chunk = slot / CHUNK_VECTORS;
    if (chunk == chunks.length) {
      grow();
    }
    write(chunks[chunk], offset(slot), v);
    size = slot + 1;
    return slot;
  }

  /**
   * Appends {@code count} empty slots (nothing written: a new chunk file reads zeros) and returns
   * the first; they are filled with {@link #set}. Single writer.
   */
  public int reserve(int count) {
    int first = size;
    int end = first + count;
    while ((end - 1) / CHUNK_VECTORS >= chunks.length) {
      grow();
    }
    size = end;
    return first;
  }

  /** Stores {@code v} at {@code base} in the datatype's width. */
  private void write(MemorySegment seg, long base, float[] v) {
    switch (datatype) {
      case FLOAT32 -> MemorySegment.copy(v, 0, seg, FLOAT, base, dim);
      case FLOAT16 -> {
        for (int i = 0; i < dim; i++) {
          seg.set(SHORT, base + 2L * i, Float.floatToFloat16(v[i]));
        }
      }
      case UINT8 -> {
        for (int i = 0; i < dim; i++) {
          seg.set(ValueLayout.JAVA_BYTE, base + i, (byte) Math.round(v[i]));
        }
      }
    }
  }

  /** Reads the vector at {@code base} into {@code out}, widened to floats. */
  private void read(MemorySegment seg, long base, float[] out) {
    switch (datatype) {
      case FLOAT32 -> MemorySegment.copy(seg, FLOAT, base, out, 0, dim);
      case FLOAT16 -> {
        for (int i = 0; i < dim; i++) {
          out[i] = Float.float16ToFloat(seg.get(SHORT, base + 2L * i));
        }
      }
      case UINT8 -> {
        for (int i = 0; i < dim; i++) {
          out[i] = Byte.toUnsignedInt(seg.get(ValueLayout.JAVA_BYTE, base + i));
        }
      }
    }
  }

  /** Overwrites the vector in an existing {@code slot} (one freed by a vacuum). Single writer. */
  public void set(int slot, float[] v) {
    assert v.length == dim && slot < size : "slot " + slot + " of " + size;
    write(chunks[slot / CHUNK_VECTORS], offset(slot), v);
  }

  private void grow() {
    int n = chunks.length;
    Path file = dir.resolve(String.format(Locale.ROOT, "chunk-%05d.vec", n));
    long bytes = HEADER + CHUNK_VECTORS * vectorBytes;
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      boolean existing = ch.size() >= bytes;
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
      if (existing && seg.get(ValueLayout.JAVA_INT, 0) == MAGIC) {
        MemorySegment[] next = Arrays.copyOf(chunks, n + 1);
        next[n] = seg;
        chunks = next;
        return;
      }
      seg.set(ValueLayout.JAVA_INT, 0, MAGIC);
      seg.set(ValueLayout.JAVA_INT, 4, VERSION);
      seg.set(ValueLayout.JAVA_INT, 8, dim);
      seg.set(ValueLayout.JAVA_INT, 12, CHUNK_VECTORS);
      seg.set(ValueLayout.JAVA_INT, 16, datatype.ordinal());
      MemorySegment[] next = Arrays.copyOf(chunks, n + 1);
      next[n] = seg;
      chunks = next;
    } catch (IOException e) {
      throw new StorageException.Io("cannot map vector chunk " + file + ": " + e.getMessage(), e);
    }
  }

  /** A copy of the vector in {@code slot}. */
  public float[] get(int slot) {
    float[] out = new float[dim];
    read(chunks[slot / CHUNK_VECTORS], offset(slot), out);
    return out;
  }

  /** Copies the vector in {@code slot} into {@code out} (of length {@link #dim()}). */
  public void copy(int slot, float[] out) {
    read(chunks[slot / CHUNK_VECTORS], offset(slot), out);
  }

  private long offset(int slot) {
    return HEADER + (slot % CHUNK_VECTORS) * vectorBytes;
  }

  /** A scorer of the full vectors against {@code query} (prepared: normalised for Cosine). */
  public SlotScorer scorer(Distance distance, float[] query) {
    return new SlotScorer() {
      @Override
      public float score(int slot) {
        return similarity(distance, query, slot);
      }

      @Override
      public void scores(int[] slots, int count, float[] out) {
        similarities(distance, query, slots, count, out);
      }
    };
  }

  /** Similarity of {@code query} to {@code slot}: larger is better, for every distance. */
  public float similarity(Distance distance, float[] query, int slot) {
    MemorySegment seg = chunks[slot / CHUNK_VECTORS];
    long base = offset(slot);
    if (datatype != VectorDatatype.FLOAT32) {
      float[] v = widened.get();
      read(seg, base, v);
      return switch (distance) {
        case COSINE, DOT -> VectorMath.dot(query, v);
        case EUCLID -> -VectorMath.l2Squared(query, v);
        case MANHATTAN -> -VectorMath.l1(query, v);
      };
    }
    return switch (distance) {
      case COSINE, DOT -> dot(query, seg, base);
      case EUCLID -> -l2(query, seg, base);
      case MANHATTAN -> -l1(query, seg, base);
    };
  }

  /**
   * Similarities of {@code query} to {@code count} slots, into {@code out}: four vectors at a time
   * share each load of the query and keep four independent FMA chains busy (as Lucene's bulk
   * scorers do), which the graph walk uses for a node's unvisited neighbours.
   */
  public void similarities(Distance distance, float[] query, int[] slots, int count, float[] out) {
    int i = 0;
    if (distance != Distance.MANHATTAN && datatype == VectorDatatype.FLOAT32) {
      boolean dot = distance != Distance.EUCLID;
      MemorySegment[] cs = chunks;
      for (; i + 4 <= count; i += 4) {
        int s0 = slots[i];
        int s1 = slots[i + 1];
        int s2 = slots[i + 2];
        int s3 = slots[i + 3];
        bulk4(
            dot,
            query,
            cs[s0 / CHUNK_VECTORS],
            offset(s0),
            cs[s1 / CHUNK_VECTORS],
            offset(s1),
            cs[s2 / CHUNK_VECTORS],
            offset(s2),
            cs[s3 / CHUNK_VECTORS],
            offset(s3),
            out,
            i);
      }
    }
    for (; i < count; i++) {
      out[i] = similarity(distance, query, slots[i]);
    }
  }

  private void bulk4(
      boolean dot,
      float[] q,
      MemorySegment m0,
      long b0,
      MemorySegment m1,
      long b1,
      MemorySegment m2,
      long b2,
      MemorySegment m3,
      long b3,
      float[] out,
      int at) {
    int step = S.length();
    int bound = S.loopBound(dim);
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = FloatVector.zero(S);
    FloatVector a2 = FloatVector.zero(S);
    FloatVector a3 = FloatVector.zero(S);
    ByteOrder order = ByteOrder.nativeOrder();
    int i = 0;
    if (dot) {
      for (; i < bound; i += step) {
        FloatVector qv = FloatVector.fromArray(S, q, i);
        long off = (long) i * Float.BYTES;
        a0 = qv.fma(FloatVector.fromMemorySegment(S, m0, b0 + off, order), a0);
        a1 = qv.fma(FloatVector.fromMemorySegment(S, m1, b1 + off, order), a1);
        a2 = qv.fma(FloatVector.fromMemorySegment(S, m2, b2 + off, order), a2);
        a3 = qv.fma(FloatVector.fromMemorySegment(S, m3, b3 + off, order), a3);
      }
    } else {
      for (; i < bound; i += step) {
        FloatVector qv = FloatVector.fromArray(S, q, i);
        long off = (long) i * Float.BYTES;
        FloatVector d0 = qv.sub(FloatVector.fromMemorySegment(S, m0, b0 + off, order));
        FloatVector d1 = qv.sub(FloatVector.fromMemorySegment(S, m1, b1 + off, order));
        FloatVector d2 = qv.sub(FloatVector.fromMemorySegment(S, m2, b2 + off, order));
        FloatVector d3 = qv.sub(FloatVector.fromMemorySegment(S, m3, b3 + off, order));
        a0 = d0.fma(d0, a0);
        a1 = d1.fma(d1, a1);
        a2 = d2.fma(d2, a2);
        a3 = d3.fma(d3, a3);
      }
    }
    float r0 = a0.reduceLanes(VectorOperators.ADD);
    float r1 = a1.reduceLanes(VectorOperators.ADD);
    float r2 = a2.reduceLanes(VectorOperators.ADD);
    float r3 = a3.reduceLanes(VectorOperators.ADD);
    for (; i < dim; i++) {
      long off = (long) i * Float.BYTES;
      float x = q[i];
      if (dot) {
        r0 += x * m0.get(FLOAT, b0 + off);
        r1 += x * m1.get(FLOAT, b1 + off);
        r2 += x * m2.get(FLOAT, b2 + off);
        r3 += x * m3.get(FLOAT, b3 + off);
      } else {
        float d0 = x - m0.get(FLOAT, b0 + off);
        float d1 = x - m1.get(FLOAT, b1 + off);
        float d2 = x - m2.get(FLOAT, b2 + off);
        float d3 = x - m3.get(FLOAT, b3 + off);
        r0 += d0 * d0;
        r1 += d1 * d1;
        r2 += d2 * d2;
        r3 += d3 * d3;
      }
    }
    float sign = dot ? 1 : -1; // Euclid: larger is better, so the negated squared distance
    out[at] = sign * r0;
    out[at + 1] = sign * r1;
    out[at + 2] = sign * r2;
    out[at + 3] = sign * r3;
  }

  /**
   * Converts a similarity back to the score Qdrant reports. A quantized estimate of an L2 distance
   * can fall below zero (it ranks as it is); it is reported as 0.
   */
  public static float score(Distance distance, float similarity) {
    return switch (distance) {
      case COSINE, DOT -> similarity;
      case EUCLID -> (float) Math.sqrt(Math.max(0, -similarity));
      case MANHATTAN -> -similarity;
    };
  }

  /**
   * Dot product with four independent accumulators: one FMA chain is bound by the FMA latency, four
   * keep the vector units busy (the profile showed this kernel at over half of all samples).
   */
  private float dot(float[] q, MemorySegment seg, long base) {
    int step = S.length();
    int i = 0;
    FloatVector a0 = FloatVector.zero(S);
    FloatVector a1 = FloatVector.zero(S);
    FloatVector a2 = FloatVector.zero(S);
    FloatVector a3 = FloatVector.zero(S);
    int bound4 = dim - dim % (4 * step);
    for (; i < bound4; i += 4 * step) {
      long off = base + (long) i * Float.BYTES;
      a0 =
          FloatVector.fromArray(S, q, i)
              .fma(FloatVector.fromMemorySegment(S, seg, off, ByteOrder.nativeOrder()), a0);
      a1 =
          FloatVector.fromArray(S, q, i + step)
              .fma(
                  FloatVector.fromMemorySegment(
                      S, seg, off + (long) step * Float.BYTES, ByteOrder.nativeOrder()),
                  a1);
      a2 =
          FloatVector.fromArray(S, q, i + 2 * step)
              .fma(
                  FloatVector.fromMemorySegment(
                      S, seg, off + 2L * step * Float.BYTES, ByteOrder.nativeOrder()),
                  a2);
      a3 =
          FloatVector.fromArray(S, q, i + 3 * step)
              .fma(
                  FloatVector.fromMemorySegment(
                      S, seg, off + 3L * step * Float.BYTES, ByteOrder.nativeOrder()),
                  a3);
    }
    int bound = S.loopBound(dim);
    for (; i < bound; i += step) {
      a0 =
          FloatVector.fromArray(S, q, i)
              .fma(
                  FloatVector.fromMemorySegment(
                      S, seg, base + (long) i * Float.BYTES, ByteOrder.nativeOrder()),
                  a0);
    }
    float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    for (; i < dim; i++) {
      s += q[i] * seg.get(FLOAT, base + (long) i * Float.BYTES);
    }
    return s;
  }

  /** Squared Euclidean distance (ordering is the same as the distance's). */
  private float l2(float[] q, MemorySegment seg, long base) {
    int i = 0;
    FloatVector acc = FloatVector.zero(S);
    int bound = S.loopBound(dim);
    for (; i < bound; i += S.length()) {
      FloatVector d =
          FloatVector.fromArray(S, q, i)
              .sub(
                  FloatVector.fromMemorySegment(
                      S, seg, base + (long) i * Float.BYTES, ByteOrder.nativeOrder()));
      acc = d.fma(d, acc);
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < dim; i++) {
      float d = q[i] - seg.get(FLOAT, base + (long) i * Float.BYTES);
      s += d * d;
    }
    return s;
  }

  private float l1(float[] q, MemorySegment seg, long base) {
    int i = 0;
    FloatVector acc = FloatVector.zero(S);
    int bound = S.loopBound(dim);
    for (; i < bound; i += S.length()) {
      acc =
          acc.add(
              FloatVector.fromArray(S, q, i)
                  .sub(
                      FloatVector.fromMemorySegment(
                          S, seg, base + (long) i * Float.BYTES, ByteOrder.nativeOrder()))
                  .abs());
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < dim; i++) {
      s += Math.abs(q[i] - seg.get(FLOAT, base + (long) i * Float.BYTES));
    }
    return s;
  }

  @Override
  public void close() {
    arena.close();
  }
}
