package dev.quiver.storage.internal;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Binary encoding of the engine's values for its own files (WAL records, collection metadata).
 * Big-endian through {@link DataOutputStream}; every type starts with a tag byte so that new kinds
 * can be added without breaking old files. No Java serialization.
 */
final class Codec {
  private static final int OP_UPSERT = 1;
  private static final int OP_DELETE = 2;
  private static final int OP_SET_PAYLOAD = 3;
  private static final int OP_OVERWRITE_PAYLOAD = 4;
  private static final int OP_DELETE_PAYLOAD = 5;
  private static final int OP_CLEAR_PAYLOAD = 6;

  private Codec() {}

  /**
   * Thrown for bytes that do not decode; callers turn it into a Corrupted error naming the file.
   */
  static final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    DecodeException(String message) {
      super(message);
    }
  }

  // ---- update operations ----

  static byte[] encode(UpdateOp op) {
    return write(
        out -> {
          switch (op) {
            case UpdateOp.Upsert u -> {
              out.writeByte(OP_UPSERT);
              out.writeInt(u.points().size());
              for (Point p : u.points()) {
                writeId(out, p.id());
                writeVectors(out, p.vectors());
                writeValue(out, p.payload());
              }
            }
            case UpdateOp.DeletePoints d -> {
              out.writeByte(OP_DELETE);
              writeIds(out, d.ids());
            }
            case UpdateOp.SetPayload sp -> {
              out.writeByte(OP_SET_PAYLOAD);
              writeIds(out, ids(sp.selector()));
              writeValue(out, sp.payload());
              out.writeBoolean(sp.key() != null);
              if (sp.key() != null) {
                writeString(out, sp.key());
              }
            }
            case UpdateOp.OverwritePayload op2 -> {
              out.writeByte(OP_OVERWRITE_PAYLOAD);
              writeIds(out, ids(op2.selector()));
              writeValue(out, op2.payload());
            }
            case UpdateOp.DeletePayload dp -> {
              out.writeByte(OP_DELETE_PAYLOAD);
              writeIds(out, ids(dp.selector()));
              out.writeInt(dp.keys().size());
              for (String k : dp.keys()) {
                writeString(out, k);
              }
            }
            case UpdateOp.ClearPayload cp -> {
              out.writeByte(OP_CLEAR_PAYLOAD);
              writeIds(out, ids(cp.selector()));
            }
            case UpdateOp.DeleteByFilter f ->
                throw new IllegalStateException("filters are resolved to ids before logging");
          }
        });
  }

  static UpdateOp decodeOp(byte[] bytes) throws DecodeException {
    return read(
        bytes,
        in -> {
          int tag = in.readUnsignedByte();
          switch (tag) {
            case OP_UPSERT -> {
              int n = count(in);
              List<Point> points = new ArrayList<>(n);
              for (int i = 0; i < n; i++) {
                PointId id = readId(in);
                Map<String, float[]> vectors = readVectors(in);
                Value v = readValue(in);
                if (!(v instanceof Value.Struct payload)) {
                  throw new DecodeException("payload is not an object");
                }
                points.add(new Point(id, vectors, payload));
              }
              return new UpdateOp.Upsert(points);
            }
            case OP_DELETE -> {
              return new UpdateOp.DeletePoints(readIds(in));
            }
            case OP_SET_PAYLOAD -> {
              var ids = new dev.quiver.storage.PointSelector.Ids(readIds(in));
              Value.Struct payload = struct(readValue(in));
              String key = in.readBoolean() ? readString(in) : null;
              return new UpdateOp.SetPayload(ids, payload, key);
            }
            case OP_OVERWRITE_PAYLOAD -> {
              var ids = new dev.quiver.storage.PointSelector.Ids(readIds(in));
              return new UpdateOp.OverwritePayload(ids, struct(readValue(in)));
            }
            case OP_DELETE_PAYLOAD -> {
              var ids = new dev.quiver.storage.PointSelector.Ids(readIds(in));
              int n = count(in);
              List<String> keys = new ArrayList<>(n);
              for (int i = 0; i < n; i++) {
                keys.add(readString(in));
              }
              return new UpdateOp.DeletePayload(ids, keys);
            }
            case OP_CLEAR_PAYLOAD -> {
              return new UpdateOp.ClearPayload(
                  new dev.quiver.storage.PointSelector.Ids(readIds(in)));
            }
            default -> throw new DecodeException("unknown operation tag " + tag);
          }
        });
  }

  private static List<PointId> ids(dev.quiver.storage.PointSelector s) {
    if (s instanceof dev.quiver.storage.PointSelector.Ids ids) {
      return ids.ids();
    }
    throw new IllegalStateException("filters are resolved to ids before logging");
  }

  private static void writeIds(DataOutputStream out, List<PointId> ids) throws IOException {
    out.writeInt(ids.size());
    for (PointId id : ids) {
      writeId(out, id);
    }
  }

  private static List<PointId> readIds(DataInputStream in) throws IOException, DecodeException {
    int n = count(in);
    List<PointId> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(readId(in));
    }
    return ids;
  }

  private static Value.Struct struct(Value v) throws DecodeException {
    if (v instanceof Value.Struct s) {
      return s;
    }
    throw new DecodeException("payload is not an object");
  }

  // ---- collection configuration ----

  static byte[] encode(CollectionConfig c) {
    return write(
        out -> {
          var sorted = new TreeMap<>(c.vectors());
          out.writeInt(sorted.size());
          for (var e : sorted.entrySet()) {
            out.writeUTF(e.getKey());
            VectorParams p = e.getValue();
            out.writeInt(p.size());
            out.writeByte(p.distance().ordinal());
            out.writeByte(p.onDisk() == null ? 2 : p.onDisk() ? 1 : 0);
          }
          out.writeInt(c.shardNumber());
          out.writeInt(c.replicationFactor());
          out.writeInt(c.writeConsistencyFactor());
          out.writeBoolean(c.onDiskPayload());
          HnswConfig h = c.hnsw();
          out.writeInt(h.m());
          out.writeInt(h.efConstruct());
          out.writeInt(h.fullScanThreshold());
          out.writeInt(h.maxIndexingThreads());
          out.writeBoolean(h.onDisk());
          OptimizersConfig o = c.optimizers();
          out.writeDouble(o.deletedThreshold());
          out.writeInt(o.vacuumMinVectorNumber());
          out.writeInt(o.defaultSegmentNumber());
          out.writeInt(o.maxSegmentSize() == null ? -1 : o.maxSegmentSize());
          out.writeInt(o.indexingThreshold());
          out.writeInt(o.flushIntervalSec());
          out.writeInt(o.maxOptimizationThreads() == null ? -1 : o.maxOptimizationThreads());
          out.writeInt(c.wal().walCapacityMb());
          out.writeInt(c.wal().walSegmentsAhead());
        });
  }

  static CollectionConfig decodeConfig(byte[] bytes) throws DecodeException {
    return read(
        bytes,
        in -> {
          int n = count(in);
          Map<String, VectorParams> vectors = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            int size = in.readInt();
            int distance = in.readUnsignedByte();
            int onDisk = in.readUnsignedByte();
            if (distance >= Distance.values().length) {
              throw new DecodeException("unknown distance " + distance);
            }
            vectors.put(
                name,
                new VectorParams(
                    size, Distance.values()[distance], onDisk == 2 ? null : onDisk == 1));
          }
          int shards = in.readInt();
          int rf = in.readInt();
          int wcf = in.readInt();
          boolean onDiskPayload = in.readBoolean();
          var hnsw =
              new HnswConfig(
                  in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readBoolean());
          double deleted = in.readDouble();
          int vacuum = in.readInt();
          int segments = in.readInt();
          int maxSegment = in.readInt();
          int indexing = in.readInt();
          int flush = in.readInt();
          int threads = in.readInt();
          var optimizers =
              new OptimizersConfig(
                  deleted,
                  vacuum,
                  segments,
                  maxSegment < 0 ? null : maxSegment,
                  indexing,
                  flush,
                  threads < 0 ? null : threads);
          var wal = new WalConfig(in.readInt(), in.readInt());
          return new CollectionConfig(
              vectors, shards, rf, wcf, onDiskPayload, hnsw, optimizers, wal);
        });
  }

  // ---- pieces ----

  static void writeId(DataOutputStream out, PointId id) throws IOException {
    switch (id) {
      case PointId.Num n -> {
        out.writeByte(0);
        out.writeLong(n.value());
      }
      case PointId.Uuid u -> {
        out.writeByte(1);
        out.writeLong(u.value().getMostSignificantBits());
        out.writeLong(u.value().getLeastSignificantBits());
      }
    }
  }

  static PointId readId(DataInputStream in) throws IOException, DecodeException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 0 -> new PointId.Num(in.readLong());
      case 1 -> new PointId.Uuid(new UUID(in.readLong(), in.readLong()));
      default -> throw new DecodeException("unknown id tag " + tag);
    };
  }

  private static void writeVectors(DataOutputStream out, Map<String, float[]> vectors)
      throws IOException {
    out.writeInt(vectors.size());
    for (var e : new TreeMap<>(vectors).entrySet()) {
      out.writeUTF(e.getKey());
      float[] v = e.getValue();
      out.writeInt(v.length);
      for (float f : v) {
        out.writeFloat(f);
      }
    }
  }

  private static Map<String, float[]> readVectors(DataInputStream in)
      throws IOException, DecodeException {
    int n = count(in);
    Map<String, float[]> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      float[] v = new float[count(in)];
      for (int j = 0; j < v.length; j++) {
        v[j] = in.readFloat();
      }
      vectors.put(name, v);
    }
    return vectors;
  }

  static void writeValue(DataOutputStream out, Value value) throws IOException {
    switch (value) {
      case Value.Null n -> out.writeByte(0);
      case Value.Bool b -> {
        out.writeByte(1);
        out.writeBoolean(b.value());
      }
      case Value.Int i -> {
        out.writeByte(2);
        out.writeLong(i.value());
      }
      case Value.Double d -> {
        out.writeByte(3);
        out.writeDouble(d.value());
      }
      case Value.Str s -> {
        out.writeByte(4);
        writeString(out, s.value());
      }
      case Value.Array a -> {
        out.writeByte(5);
        out.writeInt(a.values().size());
        for (Value v : a.values()) {
          writeValue(out, v);
        }
      }
      case Value.Struct s -> {
        out.writeByte(6);
        out.writeInt(s.fields().size());
        for (var e : s.fields().entrySet()) {
          writeString(out, e.getKey());
          writeValue(out, e.getValue());
        }
      }
    }
  }

  static Value readValue(DataInputStream in) throws IOException, DecodeException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 0 -> Value.Null.INSTANCE;
      case 1 -> new Value.Bool(in.readBoolean());
      case 2 -> new Value.Int(in.readLong());
      case 3 -> new Value.Double(in.readDouble());
      case 4 -> new Value.Str(readString(in));
      case 5 -> {
        int n = count(in);
        List<Value> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          values.add(readValue(in));
        }
        yield new Value.Array(values);
      }
      case 6 -> {
        int n = count(in);
        Map<String, Value> fields = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
          fields.put(readString(in), readValue(in));
        }
        yield new Value.Struct(fields);
      }
      default -> throw new DecodeException("unknown value tag " + tag);
    };
  }

  /** Strings of any length (writeUTF is limited to 64 KiB). */
  static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  static String readString(DataInputStream in) throws IOException, DecodeException {
    byte[] b = new byte[count(in)];
    in.readFully(b);
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  static int count(DataInputStream in) throws IOException, DecodeException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new DecodeException("bad element count " + n);
    }
    return n;
  }

  // ---- plumbing ----

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException, DecodeException;
  }

  private static byte[] write(Writer writer) {
    var bytes = new ByteArrayOutputStream(256);
    try (var out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory stream failed", e); // cannot happen
    }
    return bytes.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> reader) throws DecodeException {
    try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      T value = reader.read(in);
      if (in.available() != 0) {
        throw new DecodeException(in.available() + " trailing bytes");
      }
      return value;
    } catch (IOException e) {
      throw new DecodeException("truncated: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new DecodeException("invalid value: " + e.getMessage());
    }
  }
}
