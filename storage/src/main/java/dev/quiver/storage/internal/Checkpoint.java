package dev.quiver.storage.internal;

import dev.quiver.storage.PointId;
import dev.quiver.storage.Value;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A shard's state at an operation number, so that opening it replays only the WAL after that
 * number: {@code checkpoint.bin} (self-checking, written atomically) holds the applied op number,
 * each vector space's size and HNSW graph, and every point's id, version, payload and vector slots.
 * The vectors themselves stay in their memory-mapped chunks, forced before the file is written.
 */
final class Checkpoint {
  static final String FILE = "checkpoint.bin";
  static final int MAGIC = 0x5143484B; // "QCHK"
  static final int VERSION = 1;

  /** A point as a checkpoint holds it. */
  record PointState(PointId id, long version, Value.Struct payload, Map<String, Integer> slots) {}

  /** What a checkpoint restores. */
  record State(
      long appliedOp,
      Map<String, Integer> spaceSizes,
      Map<String, byte[]> graphs,
      java.util.List<PointState> points) {}

  private Checkpoint() {}

  static boolean exists(Path shardDir) {
    return Files.exists(shardDir.resolve(FILE));
  }

  static void write(
      Path shardDir, long appliedOp, Map<String, VectorSpace> spaces, Iterable<PointState> points) {
    var bytes = new ByteArrayOutputStream(1 << 20);
    try (var out = new DataOutputStream(bytes)) {
      out.writeLong(appliedOp);
      var names = new java.util.TreeMap<>(spaces);
      out.writeInt(names.size());
      for (var e : names.entrySet()) {
        out.writeUTF(e.getKey());
        int size = e.getValue().vectors.size();
        out.writeInt(size);
        var graph = new ByteArrayOutputStream();
        try (var g = new DataOutputStream(graph)) {
          e.getValue().writeGraph(g, size);
        }
        out.writeInt(graph.size());
        graph.writeTo(out);
      }
      var list = new java.util.ArrayList<PointState>();
      points.forEach(list::add);
      out.writeInt(list.size());
      for (PointState p : list) {
        Codec.writeId(out, p.id());
        out.writeLong(p.version());
        Codec.writeValue(out, p.payload());
        out.writeInt(p.slots().size());
        for (var s : p.slots().entrySet()) {
          out.writeUTF(s.getKey());
          out.writeInt(s.getValue());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("in-memory stream failed", e);
    }
    FileFormat.writeAtomically(shardDir.resolve(FILE), MAGIC, VERSION, bytes.toByteArray());
  }

  static State read(Path shardDir) {
    Path file = shardDir.resolve(FILE);
    byte[] body = FileFormat.read(file, MAGIC, VERSION);
    try (var in = new DataInputStream(new ByteArrayInputStream(body))) {
      long applied = in.readLong();
      int spaces = in.readInt();
      Map<String, Integer> sizes = new LinkedHashMap<>();
      Map<String, byte[]> graphs = new LinkedHashMap<>();
      for (int i = 0; i < spaces; i++) {
        String name = in.readUTF();
        sizes.put(name, in.readInt());
        byte[] g = new byte[in.readInt()];
        in.readFully(g);
        graphs.put(name, g);
      }
      int n = in.readInt();
      var points = new java.util.ArrayList<PointState>(n);
      for (int i = 0; i < n; i++) {
        PointId id = Codec.readId(in);
        long version = in.readLong();
        Value v = Codec.readValue(in);
        if (!(v instanceof Value.Struct payload)) {
          throw new dev.quiver.storage.StorageException.Corrupted(file, "payload is not an object");
        }
        int k = in.readInt();
        Map<String, Integer> slots = new LinkedHashMap<>();
        for (int j = 0; j < k; j++) {
          slots.put(in.readUTF(), in.readInt());
        }
        points.add(new PointState(id, version, payload, slots));
      }
      return new State(applied, sizes, graphs, points);
    } catch (IOException e) {
      throw new dev.quiver.storage.StorageException.Corrupted(file, e.getMessage());
    }
  }
}
