package dev.quiver.storage.internal.quant;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationCodec;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.files.ChunkFiles;
import dev.quiver.storage.internal.files.FileFormat;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The quantized codes of one vector space, by slot, in memory-mapped chunk files of {@value
 * #CHUNK_CODES} codes ({@code codes-NNNNN.qnt}: a 64-byte header with magic, version, code size,
 * codes per chunk and the fingerprint of the quantizer that wrote them; then the codes), with the
 * quantizer's parameters in {@code quantizer.bin} (a checksummed {@link FileFormat} file holding
 * the configuration it was trained for and its parameters). Codes are written with their vectors
 * and forced with them at a checkpoint, so a reopened shard reads the codes it had; codes of
 * another configuration or quantizer, or of a layout older than the quantizer reads ({@link
 * Quantizer#oldestCodeVersion}), are discarded and trained again.
 *
 * <p>Thread-safety: one writer ({@link #set}, under the owner's lock); any number of readers score
 * slots published to them after they were written. The chunk table is replaced copy-on-write.
 */
public final class QuantizedCodes implements AutoCloseable {
  static final int MAGIC = 0x51514E54; // "QQNT"

  /**
   * 2: binary codes hold an unbiasing factor and the centred vector's corrections; 3: turbo codes
   * too.
   */
  static final int VERSION = 3;

  static final int PARAMS_MAGIC = 0x51515041; // "QQPA"
  static final int PARAMS_VERSION = 1;
  static final String PARAMS = "quantizer.bin";
  public static final int CHUNK_CODES = 1 << 14;
  private static final long HEADER = ChunkFiles.HEADER;

  private final Path dir;
  private final Quantizer quantizer;
  private final int codeBytes;
  private final int fingerprint;
  private final boolean inRam;
  private final Arena arena = Arena.ofShared();
  private volatile MemorySegment[] chunks = new MemorySegment[0];
  private final Quantizer.Codes codes =
      new Quantizer.Codes() {
        @Override
        public MemorySegment segment(int slot) {
          return chunks[slot / CHUNK_CODES];
        }

        @Override
        public long offset(int slot) {
          return HEADER + (long) (slot % CHUNK_CODES) * codeBytes;
        }
      };

  private QuantizedCodes(Path dir, Quantizer quantizer, int fingerprint, boolean inRam) {
    this.dir = dir;
    this.quantizer = quantizer;
    this.codeBytes = quantizer.codeBytes();
    this.fingerprint = fingerprint;
    this.inRam = inRam;
  }

  /**
   * A fresh store for a just-trained {@code quantizer} of {@code config}: the codes of any earlier
   * one are deleted and the parameters written.
   */
  public static QuantizedCodes create(
      Path dir, Quantization config, Quantizer quantizer, boolean inRam) {
    delete(dir);
    byte[] params =
        ShardCodec.write(
            out -> {
              QuantizationCodec.write(out, config);
              quantizer.write(out);
            });
    FileFormat.writeAtomically(dir.resolve(PARAMS), PARAMS_MAGIC, PARAMS_VERSION, params);
    return new QuantizedCodes(dir, quantizer, fingerprint(params), inRam);
  }

  /**
   * The codes of the first {@code slots} slots as written before, or null when there are none, or
   * they were trained for another configuration (then they are deleted).
   */
  public static QuantizedCodes open(
      Path dir, Quantization config, Distance distance, int dim, int slots, boolean inRam) {
    Path file = dir.resolve(PARAMS);
    if (!Files.exists(file)) {
      return null;
    }
    byte[] params = FileFormat.read(file, PARAMS_MAGIC, PARAMS_VERSION);
    Quantizer quantizer;
    try (var in = new DataInputStream(new ByteArrayInputStream(params))) {
      if (!QuantizationCodec.read(in).equals(config)) {
        delete(dir);
        return null;
      }
      quantizer = Quantizer.read(in, config, distance, dim);
    } catch (IOException | IllegalArgumentException e) {
      throw new StorageException.Corrupted(file, "unreadable quantizer: " + e.getMessage());
    }
    QuantizedCodes store = new QuantizedCodes(dir, quantizer, fingerprint(params), inRam);
    int needed = (slots + CHUNK_CODES - 1) / CHUNK_CODES;
    for (int i = 0; i < needed; i++) {
      Path chunk = store.chunkFile(i);
      if (!Files.exists(chunk)) {
        store.close();
        delete(dir);
        return null; // codes missing (written before a crash of their training): trained again
      }
      store.grow();
      MemorySegment seg = store.chunks[i];
      int version = seg.get(ValueLayout.JAVA_INT, 4);
      if (seg.get(ValueLayout.JAVA_INT, 0) == MAGIC
          && version >= 1
          && version < quantizer.oldestCodeVersion()) {
        store.close();
        delete(dir);
        return null; // codes of an earlier layout: encoded again
      }
      if (seg.get(ValueLayout.JAVA_INT, 0) != MAGIC
          || seg.get(ValueLayout.JAVA_INT, 4) > VERSION
          || seg.get(ValueLayout.JAVA_INT, 8) != store.codeBytes
          || seg.get(ValueLayout.JAVA_INT, 16) != store.fingerprint) {
        store.close();
        throw new StorageException.Corrupted(chunk, "not a code chunk of this quantizer");
      }
    }
    return store;
  }

  private static int fingerprint(byte[] params) {
    CRC32C crc = new CRC32C();
    crc.update(params);
    return (int) crc.getValue();
  }

  /** Deletes every code chunk and the parameters of {@code dir}. */
  public static void delete(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p :
          files
              .filter(
                  p -> {
                    String name = p.getFileName().toString();
                    return name.endsWith(".qnt") || name.equals(PARAMS);
                  })
              .toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new StorageException.Io("cannot delete quantized codes in " + dir, e);
    }
  }

  private Path chunkFile(int i) {
    return dir.resolve(String.format(Locale.ROOT, "codes-%05d.qnt", i));
  }

  private void grow() {
    int n = chunks.length;
    Path file = chunkFile(n);
    long bytes = HEADER + (long) CHUNK_CODES * codeBytes;
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      boolean existing = ch.size() >= bytes;
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
      if (!existing) {
        seg.set(ValueLayout.JAVA_INT, 0, MAGIC);
        seg.set(ValueLayout.JAVA_INT, 4, VERSION);
        seg.set(ValueLayout.JAVA_INT, 8, codeBytes);
        seg.set(ValueLayout.JAVA_INT, 12, CHUNK_CODES);
        seg.set(ValueLayout.JAVA_INT, 16, fingerprint);
      }
      if (inRam) {
        seg.load();
      }
      MemorySegment[] next = Arrays.copyOf(chunks, n + 1);
      next[n] = seg;
      chunks = next;
    } catch (IOException e) {
      throw new StorageException.Io("cannot map " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the code of {@code v} (prepared) for {@code slot}. Single writer. */
  public void set(int slot, float[] v) {
    while (slot / CHUNK_CODES >= chunks.length) {
      grow();
    }
    quantizer.encode(v, chunks[slot / CHUNK_CODES], codes.offset(slot));
  }

  /** A scorer of {@code query} (prepared) against the codes. */
  public SlotScorer scorer(float[] query) {
    return quantizer.scorer(query, codes);
  }

  /** Bytes one code takes. */
  public int codeBytes() {
    return codeBytes;
  }

  /** Whether the codes are held in memory (else left to the page cache). */
  public boolean inRam() {
    return inRam;
  }

  /**
   * How many bytes of {@code file} hold the codes of the first {@code size} slots, if it is one of
   * this store's chunks, else -1 (a snapshot copies just these).
   */
  public long usedBytes(Path file, int size) {
    return ChunkFiles.usedBytes(dir, file, "codes", "qnt", size, CHUNK_CODES, codeBytes);
  }

  /** Forces the mapped chunks to disk. */
  public void force() {
    for (MemorySegment seg : chunks) {
      seg.force();
    }
  }

  @Override
  public void close() {
    chunks = new MemorySegment[0];
    arena.close();
  }
}
