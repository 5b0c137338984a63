package dev.quiver.storage.internal.sparse;

import dev.quiver.storage.VectorDatatype;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The sealed part of a sparse vector's inverted index: posting lists written once to a file,
 * compressed, and read through a memory mapping, so that they take page cache instead of heap (a
 * sparse vector's {@code index.on_disk}). Slots are stored in blocks of {@value #BLOCK} entries as
 * the block's first slot and bit-packed gaps (as narrow as the block's largest gap needs), weights
 * in the index's {@code datatype}: float32, float16 (IEEE half precision, 2 bytes), or uint8 (1
 * byte: Qdrant's quantization of each list's range into 256 steps, {@code min + code * step}). Each
 * list keeps a block index (each block's last slot and offset) for skipping, and lists of {@value
 * #WINDOWED} entries or more the weight range of every window of slots, as the heap lists do; the
 * ranges are those of the weights as stored, so the search's bounds hold for the scores it
 * computes.
 *
 * <p>File layout, little-endian: a 64-byte header (magic {@code QVSPOST1}, format version, counts,
 * the directory's offset, CRC32C of everything after the header, the weights' datatype from version
 * 2, CRC32C of the header's first 56 bytes); the lists' data; the directory (one entry per
 * dimension, ascending: 40 bytes in version 1, 48 with the quantization's minimum and step in
 * version 2). Version 1 files (float32) are read too. A header that does not check out is refused.
 * The file is derived data: the index rebuilds it from the stored vectors whenever the shard opens.
 *
 * <p>Immutable once written; searches read it concurrently without locks. The mapping is released
 * when the object is no longer reachable (an automatic arena), so a search holding an older file
 * keeps it mapped while a newer one replaces it.
 */
public final class SealedPostings {
  static final int BLOCK = 128;
  static final int WINDOWED = 256;

  private static final byte[] MAGIC = "QVSPOST1".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 2;
  private static final int HEADER = 64;
  private static final int ENTRY_V1 = 40;
  private static final int ENTRY = 48;
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
  private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;
  private static final VarHandle WORD =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment data;
  private final int[] dims; // ascending: the directory's keys, on the heap for the lookup
  private final long directory;
  private final int entrySize;
  private final long entries;
  private final VectorDatatype datatype;
  private final Path file;

  private SealedPostings(
      Path file,
      MemorySegment data,
      int[] dims,
      long directory,
      int entrySize,
      long entries,
      VectorDatatype datatype) {
    this.file = file;
    this.data = data;
    this.dims = dims;
    this.directory = directory;
    this.entrySize = entrySize;
    this.entries = entries;
    this.datatype = datatype;
  }

  /** How one list's weights are stored: the datatype, and uint8's minimum and step. */
  private record Weights(VectorDatatype type, float base, float step) {
    /** The weights of {@code list} in {@code type}: uint8 spreads the list's range over 256. */
    static Weights of(VectorDatatype type, ListSource list) {
      if (type != VectorDatatype.UINT8) {
        return new Weights(type, 0, 0);
      }
      float min = Float.POSITIVE_INFINITY;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < list.size(); i++) {
        min = Math.min(min, list.weight(i));
        max = Math.max(max, list.weight(i));
      }
      return new Weights(type, min, (max - min) / 255);
    }

    int code(float w) {
      return step == 0 ? 0 : Math.clamp(Math.round((w - base) / step), 0, 255);
    }

    /** {@code w} as it reads back once stored. */
    float stored(float w) {
      return switch (type) {
        case FLOAT32 -> w;
        case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16(w));
        case UINT8 -> base + code(w) * step;
      };
    }
  }

  /** One list to write: its dimension, and its entries (slots ascending). */
  interface ListSource {
    int dim();

    int size();

    int slot(int i);

    float weight(int i);
  }

  /** Writes {@code lists} (dimensions ascending) to {@code file} with float32 weights. */
  static SealedPostings write(Path file, Iterable<? extends ListSource> lists) throws IOException {
    return write(file, lists, VectorDatatype.FLOAT32);
  }

  /** Writes {@code lists} (dimensions ascending) to {@code file}, weights as {@code type}. */
  static SealedPostings write(Path file, Iterable<? extends ListSource> lists, VectorDatatype type)
      throws IOException {
    CRC32C crc = new CRC32C();
    long entries = 0;
    int dimCount = 0;
    ByteBuffer dir = ByteBuffer.allocate(ENTRY * 1024).order(ByteOrder.LITTLE_ENDIAN);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream raw = Files.newOutputStream(tmp);
        Counting out = new Counting(new BufferedOutputStream(raw, 1 << 16), crc)) {
      out.write(new byte[HEADER]); // patched at the end
      int previous = Integer.MIN_VALUE;
      for (ListSource list : lists) {
        int n = list.size();
        if (n == 0) {
          continue;
        }
        if (dimCount > 0 && Integer.compareUnsigned(list.dim(), previous) <= 0) {
          throw new IllegalArgumentException("dimensions out of order");
        }
        previous = list.dim();
        Weights weights = Weights.of(type, list);
        float max = Float.NEGATIVE_INFINITY;
        float min = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
          max = Math.max(max, weights.stored(list.weight(i)));
          min = Math.min(min, weights.stored(list.weight(i)));
        }
        int blocks = (n + BLOCK - 1) / BLOCK;
        // the block index first (last slot, offset of each block), then the blocks
        long indexAt = out.count;
        long blockAt = indexAt + 12L * blocks;
        long[] offsets = new long[blocks];
        ByteBuffer[] encoded = new ByteBuffer[blocks];
        for (int b = 0; b < blocks; b++) {
          encoded[b] = block(list, b * BLOCK, Math.min(n, (b + 1) * BLOCK), weights);
          offsets[b] = blockAt;
          blockAt += encoded[b].remaining();
        }
        ByteBuffer index = ByteBuffer.allocate(12 * blocks).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < blocks; b++) {
          index.putInt(list.slot(Math.min(n, (b + 1) * BLOCK) - 1)).putLong(offsets[b]);
        }
        out.write(index.array());
        for (ByteBuffer e : encoded) {
          out.write(e.array(), e.arrayOffset() + e.position(), e.remaining());
        }
        long windowsAt = -1;
        int windows = 0;
        if (n >= WINDOWED) {
          windows = (list.slot(n - 1) >>> SparseIndex.WINDOW_SHIFT) + 1;
          float[] wmax = new float[windows];
          float[] wmin = new float[windows];
          Arrays.fill(wmax, Float.NaN);
          Arrays.fill(wmin, Float.NaN);
          for (int i = 0; i < n; i++) {
            int w = list.slot(i) >>> SparseIndex.WINDOW_SHIFT;
            float x = weights.stored(list.weight(i));
            wmax[w] = Float.isNaN(wmax[w]) ? x : Math.max(wmax[w], x);
            wmin[w] = Float.isNaN(wmin[w]) ? x : Math.min(wmin[w], x);
          }
          windowsAt = out.count;
          ByteBuffer wb = ByteBuffer.allocate(8 * windows).order(ByteOrder.LITTLE_ENDIAN);
          for (int w = 0; w < windows; w++) {
            wb.putFloat(wmax[w]).putFloat(wmin[w]);
          }
          out.write(wb.array());
        }
        if (dir.remaining() < ENTRY) {
          dir =
              ByteBuffer.allocate(dir.capacity() * 2)
                  .order(ByteOrder.LITTLE_ENDIAN)
                  .put(dir.flip());
        }
        dir.putInt(list.dim()).putInt(n).putInt(blocks).putInt(windows);
        dir.putFloat(max).putFloat(min).putLong(indexAt).putLong(windowsAt);
        dir.putFloat(weights.base()).putFloat(weights.step());
        entries += n;
        dimCount++;
      }
      out.write(new byte[8]); // a block's gaps are read eight bytes at a time
      out.write(dir.array(), 0, dir.position());
      out.flush();
    }
    ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    header.put(MAGIC).putInt(VERSION).putInt(dimCount).putLong(entries);
    long fileSize = Files.size(tmp);
    header.putLong(fileSize - (long) dimCount * ENTRY).putLong(fileSize);
    header.putInt((int) crc.getValue());
    header.put(
        switch (type) {
          case FLOAT32 -> (byte) 0;
          case FLOAT16 -> (byte) 1;
          case UINT8 -> (byte) 2;
        });
    header.position(56);
    CRC32C headerCrc = new CRC32C();
    headerCrc.update(header.array(), 0, 56);
    header.putInt((int) headerCrc.getValue());
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(header.flip(), 0);
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return open(file);
  }

  /** One block: first slot, count, gap width, the gaps bit-packed, the weights. */
  private static ByteBuffer block(ListSource list, int from, int to, Weights weights) {
    int count = to - from;
    int widest = 0;
    for (int i = from + 1; i < to; i++) {
      widest |= list.slot(i) - list.slot(i - 1);
    }
    int bits = 32 - Integer.numberOfLeadingZeros(widest);
    int gapBytes = (int) (((long) (count - 1) * bits + 7) / 8);
    ByteBuffer b =
        ByteBuffer.allocate(6 + gapBytes + weights.type().bytes() * count)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(list.slot(from)).put((byte) (count - 1)).put((byte) bits);
    long acc = 0;
    int filled = 0;
    for (int i = from + 1; i < to; i++) {
      acc |= (long) (list.slot(i) - list.slot(i - 1)) << filled;
      filled += bits;
      while (filled >= 8) {
        b.put((byte) acc);
        acc >>>= 8;
        filled -= 8;
      }
    }
    if (filled > 0) {
      b.put((byte) acc);
    }
    for (int i = from; i < to; i++) {
      float w = list.weight(i);
      switch (weights.type()) {
        case FLOAT32 -> b.putFloat(w);
        case FLOAT16 -> b.putShort(Float.floatToFloat16(w));
        case UINT8 -> b.put((byte) weights.code(w));
      }
    }
    return b.flip();
  }

  /** Asks the OS to bring the whole file into memory (a hint: pages may still be evicted). */
  void load() {
    data.load();
  }

  /** Maps {@code file}, checking its header and checksum. */
  static SealedPostings open(Path file) throws IOException {
    MemorySegment data;
    VectorDatatype datatype;
    int entrySize;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER) {
        throw new IOException(file.getFileName() + ": not a posting file (too short)");
      }
      ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(header, 0);
      header.flip();
      byte[] magic = new byte[MAGIC.length];
      header.get(magic);
      CRC32C headerCrc = new CRC32C();
      headerCrc.update(header.array(), 0, 56);
      if (!Arrays.equals(magic, MAGIC) || header.getInt(56) != (int) headerCrc.getValue()) {
        throw new IOException(file.getFileName() + ": not a posting file (bad header)");
      }
      int version = header.getInt(8);
      if (version != 1 && version != VERSION) {
        throw new IOException(file.getFileName() + ": posting file version " + version);
      }
      int type = version == 1 ? 0 : header.get(44);
      datatype =
          switch (type) {
            case 0 -> VectorDatatype.FLOAT32;
            case 1 -> VectorDatatype.FLOAT16;
            case 2 -> VectorDatatype.UINT8;
            default ->
                throw new IOException(
                    file.getFileName() + ": posting weights of unknown type " + type);
          };
      entrySize = version == 1 ? ENTRY_V1 : ENTRY;
      if (header.getLong(32) != size) {
        throw new IOException(file.getFileName() + ": truncated posting file");
      }
      data = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
    }
    CRC32C crc = new CRC32C();
    crc.update(data.asSlice(HEADER).asByteBuffer());
    if (data.get(INT, 40) != (int) crc.getValue()) {
      throw new IOException(file.getFileName() + ": posting file checksum mismatch");
    }
    int dimCount = data.get(INT, 12);
    long directory = data.get(LONG, 24);
    int[] dims = new int[dimCount];
    if (data.byteSize() - directory != (long) dimCount * entrySize) {
      throw new IOException(file.getFileName() + ": posting directory of the wrong size");
    }
    for (int i = 0; i < dimCount; i++) {
      dims[i] = data.get(INT, directory + (long) i * entrySize);
    }
    return new SealedPostings(file, data, dims, directory, entrySize, data.get(LONG, 16), datatype);
  }

  Path file() {
    return file;
  }

  /** Entries held (live or not). */
  long entries() {
    return entries;
  }

  /** Bytes of the file. */
  long bytes() {
    return data.byteSize();
  }

  /** The dimensions that have a list, ascending (unsigned order). */
  int dimensions() {
    return dims.length;
  }

  /** The walk through dimension {@code d}'s list for a query weight {@code q}, or null. */
  PostingCursor cursor(int d, float q) {
    int at = find(d);
    if (at < 0) {
      return null;
    }
    long e = directory + (long) at * entrySize;
    float max = data.get(FLOAT, e + 16);
    float min = data.get(FLOAT, e + 20);
    return new BlockCursor(
        data,
        weights(e),
        data.get(INT, e + 4),
        data.get(INT, e + 8),
        data.get(INT, e + 12),
        data.get(LONG, e + 24),
        data.get(LONG, e + 32),
        q,
        Math.max(0f, Math.max(q * max, q * min)),
        Math.min(q * max, q * min));
  }

  /** How the list of the directory entry at {@code e} stores its weights. */
  private Weights weights(long e) {
    return entrySize == ENTRY_V1
        ? new Weights(VectorDatatype.FLOAT32, 0, 0)
        : new Weights(datatype, data.get(FLOAT, e + 40), data.get(FLOAT, e + 44));
  }

  /** The datatype the weights are stored in. */
  VectorDatatype datatype() {
    return datatype;
  }

  /** Visits every entry of dimension index {@code i} (of {@link #dimensions()}). */
  void forEach(int i, EntryConsumer each) {
    long e = directory + (long) i * entrySize;
    BlockCursor c =
        new BlockCursor(
            data,
            weights(e),
            data.get(INT, e + 4),
            data.get(INT, e + 8),
            0,
            data.get(LONG, e + 24),
            -1,
            1f,
            0f,
            0f);
    c.forEach(each);
  }

  int dimension(int i) {
    return dims[i];
  }

  interface EntryConsumer {
    void accept(int slot, float weight);
  }

  private int find(int d) {
    int lo = 0;
    int hi = dims.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Integer.compareUnsigned(dims[mid], d);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  /** A walk through one list: the current block decoded into small arrays. */
  private static final class BlockCursor extends PostingCursor {
    private final MemorySegment data;
    private final Weights stored;
    private final int blocks;
    private final int windows;
    private final long index;
    private final long windowRanges;
    private final int[] slots = new int[BLOCK];
    private final float[] weights = new float[BLOCK];
    // a block's gaps (at most 31 bits each) are copied here, and its narrow weights below
    private final byte[] packed = new byte[BLOCK * 4 + 8];
    private final short[] halves = new short[BLOCK];
    private final byte[] codes = new byte[BLOCK];
    private int block = -1; // decoded block
    private int count; // its entries
    private int pos; // in the block
    private boolean done;

    BlockCursor(
        MemorySegment data,
        Weights stored,
        int entries,
        int blocks,
        int windows,
        long index,
        long windowRanges,
        float q,
        float bound,
        float least) {
      super(
          q,
          bound,
          least,
          entries,
          firstSlot(data, index),
          data.get(INT, index + 12L * (blocks - 1)));
      this.data = data;
      this.stored = stored;
      this.blocks = blocks;
      this.windows = windows;
      this.index = index;
      this.windowRanges = windowRanges;
      decode(0);
    }

    /** The first slot of the list whose block index is at {@code index}. */
    private static int firstSlot(MemorySegment data, long index) {
      return data.get(INT, data.get(LONG, index + 4));
    }

    private int lastOf(int b) {
      return data.get(INT, index + 12L * b);
    }

    private void decode(int b) {
      block = b;
      pos = 0;
      long at = data.get(LONG, index + 12L * b + 4);
      int first = data.get(INT, at);
      count = (data.get(ValueLayout.JAVA_BYTE, at + 4) & 0xff) + 1;
      int bits = data.get(ValueLayout.JAVA_BYTE, at + 5) & 0xff;
      long gaps = at + 6;
      int gapBytes = (int) (((long) (count - 1) * bits + 7) / 8);
      // one bulk copy each for the packed gaps (8 bytes more: words are read whole) and the
      // weights, then the gaps unpacked from the heap copy
      MemorySegment.copy(data, ValueLayout.JAVA_BYTE, gaps, packed, 0, gapBytes + 8);
      weights(gaps + gapBytes);
      long mask = bits == 0 ? 0 : (1L << bits) - 1;
      int slot = first;
      slots[0] = slot;
      int bit = 0;
      for (int i = 1; i < count; i++) {
        long word = (long) WORD.get(packed, bit >>> 3);
        slot += (int) ((word >>> (bit & 7)) & mask);
        slots[i] = slot;
        bit += bits;
      }
    }

    /** Reads the current block's {@code count} weights at {@code at} into {@link #weights}. */
    private void weights(long at) {
      switch (stored.type()) {
        case FLOAT32 -> MemorySegment.copy(data, FLOAT, at, weights, 0, count);
        case FLOAT16 -> {
          MemorySegment.copy(data, HALF, at, halves, 0, count);
          for (int i = 0; i < count; i++) {
            weights[i] = Float.float16ToFloat(halves[i]);
          }
        }
        case UINT8 -> {
          MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, codes, 0, count);
          float base = stored.base();
          float step = stored.step();
          for (int i = 0; i < count; i++) {
            weights[i] = base + (codes[i] & 0xff) * step;
          }
        }
      }
    }

    /** Moves past the current entry's block end to the next block, if any. */
    private boolean nextBlock() {
      if (block + 1 >= blocks) {
        done = true;
        return false;
      }
      decode(block + 1);
      return true;
    }

    @Override
    int lastSlot() {
      return lastOf(blocks - 1);
    }

    @Override
    void windowBound(int window) {
      if (done) {
        windowBound = 0;
      } else if (windowRanges >= 0 && window < windows) {
        long at = windowRanges + 8L * window;
        windowBound = rangeBound(data.get(FLOAT, at), data.get(FLOAT, at + 4));
      } else {
        windowBound = bound;
      }
    }

    @Override
    boolean before(int slot) {
      return !done && slots[pos] < slot;
    }

    @Override
    int advance(int slot) {
      if (done || slots[pos] >= slot) {
        return 1;
      }
      int looked = 1;
      if (slots[count - 1] < slot) { // beyond this block: gallop over the block index
        int lo = block;
        int hi = block + 1;
        int step = 1;
        while (hi < blocks && lastOf(hi) < slot) {
          lo = hi;
          step <<= 1;
          hi = lo + step;
          looked++;
        }
        hi = Math.min(hi, blocks);
        while (lo + 1 < hi) { // lastOf(lo) < slot <= lastOf(hi) (or hi == blocks)
          int mid = (lo + hi) >>> 1;
          looked++;
          if (lastOf(mid) < slot) {
            lo = mid;
          } else {
            hi = mid;
          }
        }
        if (hi >= blocks) {
          done = true;
          return looked;
        }
        decode(hi);
      }
      long found = firstAtLeast(slots, pos - 1, count - 1, slot); // slots[count - 1] >= slot
      pos = (int) (found >>> 32);
      return looked + (int) found;
    }

    @Override
    int accumulate(int start, int end, float[] partial, long[] seen) {
      int read = 0;
      while (!done) {
        int p = pos;
        if (seen == null) {
          while (p < count && slots[p] < end) {
            partial[slots[p] - start] += q * weights[p++];
          }
        } else {
          while (p < count && slots[p] < end) {
            int s = slots[p] - start;
            seen[s >>> 6] |= 1L << s;
            partial[s] += q * weights[p++];
          }
        }
        read += p - pos;
        pos = p;
        if (p < count || !nextBlock()) {
          break;
        }
      }
      return read;
    }

    @Override
    int addTo(int start, int[] cands, int m, float[] partial, float keep) {
      int kept = 0;
      for (int j = 0; j < m; j++) {
        int s = cands[j];
        if (!done) {
          int slot = start + s;
          probed += advance(slot);
          if (!done && slots[pos] == slot) {
            partial[s] += q * weights[pos];
          }
        }
        if (partial[s] >= keep) {
          cands[kept++] = s;
        }
      }
      return kept;
    }

    void forEach(EntryConsumer each) {
      while (!done) {
        for (int i = pos; i < count; i++) {
          each.accept(slots[i], weights[i]);
        }
        pos = count;
        nextBlock();
      }
    }
  }

  /** An output stream that counts its bytes and checksums them after the header. */
  private static final class Counting extends OutputStream {
    private final OutputStream out;
    private final CRC32C crc;
    long count;

    Counting(OutputStream out, CRC32C crc) {
      this.out = out;
      this.crc = crc;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      int skip = (int) Math.max(0, Math.min(len, HEADER - count));
      if (len > skip) {
        crc.update(b, off + skip, len - skip);
      }
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
