package dev.quiver.storage.internal.shard;

import dev.quiver.storage.PointId;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import dev.quiver.storage.internal.files.Codec;
import dev.quiver.storage.internal.files.FileFormat;
import dev.quiver.storage.internal.space.MultiSpace;
import dev.quiver.storage.internal.space.SparseSpace;
import dev.quiver.storage.internal.space.VectorSpace;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A shard's state at an operation number, so that opening it replays only the WAL after that
 * number: {@code checkpoint.bin} holds the applied op number, each vector space's size and HNSW
 * graph, and every point's id, version, payload and vector slots. The vectors themselves stay in
 * their memory-mapped chunks, forced before the file is written.
 *
 * <p>Version 2 is streamed both ways, so a shard of millions of points is checkpointed and reopened
 * without holding the file in memory: {@code [magic][version][body][body length u64][crc32c u32]}
 * (the CRC over the body), written to a temporary file that is fsynced and renamed. A reader checks
 * the CRC in one pass, then hands the graphs and points to a {@link Restorer} in a second. Version
 * 1 files (one {@link FileFormat} block) are still read. Version 3 adds, after the HNSW graphs,
 * each sparse vector space's and then each multivector space's live vectors by slot; a version 2
 * file has none. Version 4 adds, after those, each dense space's tenant links (see {@code
 * TenantLinks}); a shard read from an older file makes them again from its payloads. Stateless
 * (static methods only), so thread-safe.
 */
public final class Checkpoint {
  static final String FILE = "checkpoint.bin";
  static final int MAGIC = 0x5143484B; // "QCHK"
  static final int VERSION = 4;

  /** A point as a checkpoint holds it. */
  record PointState(PointId id, long version, Value.Struct payload, Map<String, Integer> slots) {}

  /** Receives a checkpoint as it is read. */
  interface Restorer {
    void appliedOp(long op);

    /** A vector space of {@code size} slots; {@code graph} is positioned at its HNSW graph. */
    void space(String name, int size, DataInputStream graph) throws IOException;

    /** A sparse vector space; {@code in} is positioned at its vectors. */
    void sparseSpace(String name, DataInputStream in) throws IOException;

    /** A multivector space; {@code in} is positioned at its vectors. */
    void multiSpace(String name, DataInputStream in) throws IOException;

    /** The tenant links of dense space {@code name}; {@code in} is positioned at them. */
    void tenantLinks(String name, DataInputStream in) throws IOException;

    void point(PointState p);
  }

  private Checkpoint() {}

  public static boolean exists(Path shardDir) {
    return Files.exists(shardDir.resolve(FILE));
  }

  /** Writes the checkpoint ({@code points}, {@code count} of them) atomically, streamed. */
  static void write(
      Path shardDir,
      long appliedOp,
      Map<String, VectorSpace> spaces,
      Map<String, SparseSpace> sparseSpaces,
      Map<String, MultiSpace> multiSpaces,
      Iterable<PointState> points,
      int count) {
    FileFormat.replace(
        shardDir.resolve(FILE),
        ch -> {
          var raw = Channels.newOutputStream(ch);
          var header = new DataOutputStream(raw);
          header.writeInt(MAGIC);
          header.writeInt(VERSION);
          header.flush();
          CRC32C crc = new CRC32C();
          var counted = new CountingCrcStream(raw, crc);
          var out = new DataOutputStream(new BufferedOutputStream(counted, 1 << 16));
          out.writeLong(appliedOp);
          var names = new TreeMap<>(spaces);
          out.writeInt(names.size());
          for (var e : names.entrySet()) {
            out.writeUTF(e.getKey());
            int size = e.getValue().vectors.size();
            out.writeInt(size);
            e.getValue().writeGraph(out, size);
          }
          var sparse = new TreeMap<>(sparseSpaces);
          out.writeInt(sparse.size());
          for (var e : sparse.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().write(out);
          }
          var multi = new TreeMap<>(multiSpaces);
          out.writeInt(multi.size());
          for (var e : multi.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().write(out);
          }
          out.writeInt(names.size());
          for (var e : names.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().writeTenants(out, e.getValue().vectors.size());
          }
          out.writeInt(count);
          int written = 0;
          for (PointState p : points) {
            Codec.writeId(out, p.id());
            out.writeLong(p.version());
            Codec.writeValue(out, p.payload());
            out.writeInt(p.slots().size());
            for (var slot : p.slots().entrySet()) {
              out.writeUTF(slot.getKey());
              out.writeInt(slot.getValue());
            }
            written++;
          }
          if (written != count) {
            throw new IllegalStateException("points changed while checkpointing");
          }
          out.flush();
          var trailer = new DataOutputStream(raw);
          trailer.writeLong(counted.count);
          trailer.writeInt((int) crc.getValue());
          trailer.flush();
        });
  }

  /** Reads the checkpoint of {@code shardDir} into {@code to}, after checking it whole. */
  static void read(Path shardDir, Restorer to) {
    Path file = shardDir.resolve(FILE);
    try {
      int version;
      long size = Files.size(file);
      try (var in = new DataInputStream(Files.newInputStream(file))) {
        if (size < 8 || in.readInt() != MAGIC) {
          throw new StorageException.Corrupted(file, "wrong magic number");
        }
        version = in.readInt();
      }
      if (version == 1) {
        parse(
            new DataInputStream(new ByteArrayInputStream(FileFormat.read(file, MAGIC, 1))), 1, to);
        return;
      }
      if (version < 2 || version > VERSION) {
        throw new StorageException.Corrupted(file, "unsupported format version " + version);
      }
      long bodyLength = size - 8 - 12;
      if (bodyLength < 0) {
        throw new StorageException.Corrupted(file, "too short");
      }
      // pass 1: the body's length and CRC, as the trailer states them
      CRC32C crc = new CRC32C();
      try (var in = Files.newInputStream(file)) {
        in.skipNBytes(8);
        byte[] buf = new byte[1 << 16];
        long left = bodyLength;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new EOFException();
          }
          crc.update(buf, 0, n);
          left -= n;
        }
        var trailer = new DataInputStream(in);
        if (trailer.readLong() != bodyLength || trailer.readInt() != (int) crc.getValue()) {
          throw new StorageException.Corrupted(file, "checksum mismatch");
        }
      }
      // pass 2: the content
      try (var in =
          new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
        in.skipNBytes(8);
        parse(in, version, to);
      }
    } catch (IOException e) {
      throw new StorageException.Corrupted(file, e.getMessage());
    }
  }

  private static void parse(DataInputStream in, int format, Restorer to) throws IOException {
    to.appliedOp(in.readLong());
    int spaces = in.readInt();
    for (int i = 0; i < spaces; i++) {
      String name = in.readUTF();
      int size = in.readInt();
      if (format == 1) { // each graph was a length-prefixed block
        byte[] graph = new byte[in.readInt()];
        in.readFully(graph);
        to.space(name, size, new DataInputStream(new ByteArrayInputStream(graph)));
      } else {
        to.space(name, size, in);
      }
    }
    if (format >= 3) {
      int sparse = in.readInt();
      for (int i = 0; i < sparse; i++) {
        to.sparseSpace(in.readUTF(), in);
      }
      int multi = in.readInt();
      for (int i = 0; i < multi; i++) {
        to.multiSpace(in.readUTF(), in);
      }
    }
    if (format >= 4) {
      int dense = in.readInt();
      for (int i = 0; i < dense; i++) {
        to.tenantLinks(in.readUTF(), in);
      }
    }
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      PointId id = Codec.readId(in);
      long version = in.readLong();
      Value v = Codec.readValue(in);
      if (!(v instanceof Value.Struct payload)) {
        throw new IOException("payload is not an object");
      }
      int k = in.readInt();
      Map<String, Integer> slots = new LinkedHashMap<>();
      for (int j = 0; j < k; j++) {
        slots.put(in.readUTF(), in.readInt());
      }
      to.point(new PointState(id, version, payload, slots));
    }
  }

  /** Counts and checksums what passes through to the file. */
  private static final class CountingCrcStream extends FilterOutputStream {
    private final CRC32C crc;
    long count;

    CountingCrcStream(OutputStream out, CRC32C crc) {
      super(out);
      this.crc = crc;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      crc.update(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      crc.update(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }
}
