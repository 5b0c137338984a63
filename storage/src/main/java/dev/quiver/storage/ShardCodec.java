package dev.quiver.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The binary form of the engine's values: WAL records, checkpoints, and the messages a cluster
 * sends between replicas (Raft log entries and forwarded reads). This class holds the framing
 * ({@link #write}, {@link #read}, {@link Malformed}) and the pieces every message is made of (ids,
 * vectors, payload values, strings, shard keys, bounded counts); the message families have codecs
 * of their own: {@link UpdateOpCodec}, {@link FilterCodec}, {@link ReadCodec}, {@link ConfigCodec}.
 * Big-endian through {@link DataOutputStream}; every variant starts with a tag byte, so kinds can
 * be added without breaking old bytes. No Java serialization: decoding checks every tag and count,
 * and bad bytes fail with {@link Malformed}, never with a half-built object. Stateless.
 */
public final class ShardCodec {
  private ShardCodec() {}

  /** Bytes that do not decode (open for the kinds a caller tells apart). */
  public static class Malformed extends IOException {
    private static final long serialVersionUID = 1L;

    public Malformed(String message) {
      super(message);
    }
  }

  /** Writes into a fresh array. */
  public interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads a whole array. */
  public interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  public static byte[] write(Writer writer) {
    var bytes = new ByteArrayOutputStream(256);
    try (var out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory stream failed", e); // cannot happen
    }
    return bytes.toByteArray();
  }

  /** Reads {@code bytes} completely; trailing bytes, truncation and bad values are Malformed. */
  public static <T> T read(byte[] bytes, Reader<T> reader) throws Malformed {
    try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      T value = reader.read(in);
      if (in.available() != 0) {
        throw new Malformed(in.available() + " trailing bytes");
      }
      return value;
    } catch (Malformed e) {
      throw e;
    } catch (IOException e) {
      throw new Malformed("truncated: " + e.getMessage());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new Malformed("invalid value: " + e.getMessage());
    }
  }

  /** A shard key, or null: tag 0 none, 1 number, 2 string. */
  public static void writeShardKey(DataOutputStream out, ShardKey key) throws IOException {
    switch (key) {
      case null -> out.writeByte(0);
      case ShardKey.Number n -> {
        out.writeByte(1);
        out.writeLong(n.value());
      }
      case ShardKey.Keyword k -> {
        out.writeByte(2);
        writeString(out, k.value());
      }
    }
  }

  public static ShardKey readShardKey(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 0 -> null;
      case 1 -> {
        long v = in.readLong();
        if (v < 0) {
          throw new Malformed("negative shard key " + v);
        }
        yield new ShardKey.Number(v);
      }
      case 2 -> new ShardKey.Keyword(readString(in));
      default -> throw new Malformed("unknown shard key tag " + tag);
    };
  }

  // ---- pieces ----

  public static void writeId(DataOutputStream out, PointId id) throws IOException {
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

  public static PointId readId(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 0 -> new PointId.Num(in.readLong());
      case 1 -> new PointId.Uuid(new UUID(in.readLong(), in.readLong()));
      default -> throw new Malformed("unknown id tag " + tag);
    };
  }

  public static void writeIds(DataOutputStream out, List<PointId> ids) throws IOException {
    out.writeInt(ids.size());
    for (PointId id : ids) {
      writeId(out, id);
    }
  }

  public static List<PointId> readIds(DataInputStream in) throws IOException {
    int n = count(in);
    List<PointId> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(readId(in));
    }
    return ids;
  }

  public static void writeVectors(DataOutputStream out, Map<String, float[]> vectors)
      throws IOException {
    out.writeInt(vectors.size());
    for (var e : new TreeMap<>(vectors).entrySet()) {
      out.writeUTF(e.getKey());
      writeFloats(out, e.getValue());
    }
  }

  public static Map<String, float[]> readVectors(DataInputStream in) throws IOException {
    int n = count(in);
    Map<String, float[]> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      vectors.put(in.readUTF(), readFloats(in));
    }
    return vectors;
  }

  /**
   * A vector as its length and big-endian floats (what {@code writeFloat} would write), copied in
   * one block: per-float stream calls were a visible cost of replicating batch upserts.
   */
  static void writeFloats(DataOutputStream out, float[] v) throws IOException {
    out.writeInt(v.length);
    byte[] bytes = new byte[v.length * Float.BYTES];
    ByteBuffer.wrap(bytes).asFloatBuffer().put(v);
    out.write(bytes);
  }

  static float[] readFloats(DataInputStream in) throws IOException {
    return readFloats(in, in.readInt());
  }

  static float[] readFloats(DataInputStream in, int length) throws IOException {
    if (length < 0 || (long) length * Float.BYTES > in.available()) {
      throw new Malformed("bad vector length " + length);
    }
    float[] v = new float[length];
    byte[] bytes = new byte[v.length * Float.BYTES];
    in.readFully(bytes);
    ByteBuffer.wrap(bytes).asFloatBuffer().get(v);
    return v;
  }

  /** A sparse vector: its length, then its indices and its values, each as one block. */
  public static void writeSparse(DataOutputStream out, SparseVector v) throws IOException {
    int n = v.size();
    out.writeInt(n);
    byte[] bytes = new byte[n * (Integer.BYTES + Float.BYTES)];
    var buf = ByteBuffer.wrap(bytes);
    buf.asIntBuffer().put(v.indices());
    buf.position(n * Integer.BYTES);
    buf.slice().asFloatBuffer().put(v.values());
    out.write(bytes);
  }

  /** A sparse vector as {@link #writeSparse} wrote it; its indices must be ascending and unique. */
  public static SparseVector readSparse(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || (long) n * (Integer.BYTES + Float.BYTES) > in.available()) {
      throw new Malformed("bad sparse vector length " + n);
    }
    byte[] bytes = new byte[n * (Integer.BYTES + Float.BYTES)];
    in.readFully(bytes);
    int[] indices = new int[n];
    float[] values = new float[n];
    var buf = ByteBuffer.wrap(bytes);
    buf.asIntBuffer().get(indices);
    buf.position(n * Integer.BYTES);
    buf.slice().asFloatBuffer().get(values);
    for (int i = 1; i < n; i++) {
      if (Integer.compareUnsigned(indices[i - 1], indices[i]) >= 0) {
        throw new Malformed("sparse vector indices out of order");
      }
    }
    return new SparseVector(indices, values);
  }

  /** Multivectors by name: each its row count, row size and rows as one block of floats. */
  public static void writeMultiVectors(DataOutputStream out, Map<String, float[][]> vectors)
      throws IOException {
    out.writeInt(vectors.size());
    for (var e : new TreeMap<>(vectors).entrySet()) {
      out.writeUTF(e.getKey());
      writeRows(out, e.getValue());
    }
  }

  public static Map<String, float[][]> readMultiVectors(DataInputStream in) throws IOException {
    int n = count(in);
    Map<String, float[][]> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      vectors.put(in.readUTF(), readRows(in));
    }
    return vectors;
  }

  /** Rows of one size: the count, the size, then the floats. */
  public static void writeRows(DataOutputStream out, float[][] rows) throws IOException {
    int dim = rows.length == 0 ? 0 : rows[0].length;
    out.writeInt(rows.length);
    out.writeInt(dim);
    byte[] bytes = new byte[rows.length * dim * Float.BYTES];
    var floats = ByteBuffer.wrap(bytes).asFloatBuffer();
    for (float[] row : rows) {
      floats.put(row);
    }
    out.write(bytes);
  }

  public static float[][] readRows(DataInputStream in) throws IOException {
    int n = in.readInt();
    int dim = in.readInt();
    if (n < 0 || dim < 0 || (long) n * dim * Float.BYTES > in.available()) {
      throw new Malformed("bad multivector shape " + n + " x " + dim);
    }
    byte[] bytes = new byte[n * dim * Float.BYTES];
    in.readFully(bytes);
    var floats = ByteBuffer.wrap(bytes).asFloatBuffer();
    float[][] rows = new float[n][dim];
    for (float[] row : rows) {
      floats.get(row);
    }
    return rows;
  }

  public static void writeSparseVectors(DataOutputStream out, Map<String, SparseVector> vectors)
      throws IOException {
    out.writeInt(vectors.size());
    for (var e : new TreeMap<>(vectors).entrySet()) {
      out.writeUTF(e.getKey());
      writeSparse(out, e.getValue());
    }
  }

  public static Map<String, SparseVector> readSparseVectors(DataInputStream in) throws IOException {
    int n = count(in);
    Map<String, SparseVector> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      vectors.put(in.readUTF(), readSparse(in));
    }
    return vectors;
  }

  public static void writeValue(DataOutputStream out, Value value) throws IOException {
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
        writeValues(out, a.values());
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

  /** The bytes {@link #writeValue} writes for {@code value}, counted without writing them. */
  public static long encodedSize(Value value) {
    return switch (value) {
      case Value.Null n -> 1;
      case Value.Bool b -> 2;
      case Value.Int i -> 9;
      case Value.Double d -> 9;
      case Value.Str s -> 1 + stringSize(s.value());
      case Value.Array a -> {
        long n = 5;
        for (Value v : a.values()) {
          n += encodedSize(v);
        }
        yield n;
      }
      case Value.Struct s -> {
        long n = 5;
        for (var e : s.fields().entrySet()) {
          n += stringSize(e.getKey()) + encodedSize(e.getValue());
        }
        yield n;
      }
    };
  }

  /** What {@link #writeString} writes: a length, then the UTF-8 bytes. */
  private static long stringSize(String s) {
    long n = 4;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3; // a lone surrogate is written as '?' by the encoder: 1 byte; counted as 3, an
        // overestimate that only a malformed string reaches
      }
    }
    return n;
  }

  public static Value readValue(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 0 -> Value.Null.INSTANCE;
      case 1 -> new Value.Bool(in.readBoolean());
      case 2 -> new Value.Int(in.readLong());
      case 3 -> new Value.Double(in.readDouble());
      case 4 -> new Value.Str(readString(in));
      case 5 -> new Value.Array(readValues(in));
      case 6 -> {
        int n = count(in);
        Map<String, Value> fields = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
          fields.put(readString(in), readValue(in));
        }
        yield new Value.Struct(fields);
      }
      default -> throw new Malformed("unknown value tag " + tag);
    };
  }

  public static Value.Struct readStruct(DataInputStream in) throws IOException {
    if (readValue(in) instanceof Value.Struct s) {
      return s;
    }
    throw new Malformed("payload is not an object");
  }

  static void writeValues(DataOutputStream out, List<Value> values) throws IOException {
    out.writeInt(values.size());
    for (Value v : values) {
      writeValue(out, v);
    }
  }

  static List<Value> readValues(DataInputStream in) throws IOException {
    int n = count(in);
    List<Value> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      values.add(readValue(in));
    }
    return values;
  }

  /** Strings of any length (writeUTF is limited to 64 KiB). */
  public static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  public static String readString(DataInputStream in) throws IOException {
    byte[] b = new byte[count(in)];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  public static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
    out.writeInt(strings.size());
    for (String s : strings) {
      writeString(out, s);
    }
  }

  public static List<String> readStrings(DataInputStream in) throws IOException {
    int n = count(in);
    List<String> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(readString(in));
    }
    return list;
  }

  static void writeOptDouble(DataOutputStream out, Double d) throws IOException {
    out.writeBoolean(d != null);
    if (d != null) {
      out.writeDouble(d);
    }
  }

  static Double readOptDouble(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readDouble() : null;
  }

  static void writeOptLong(DataOutputStream out, Long d) throws IOException {
    out.writeBoolean(d != null);
    if (d != null) {
      out.writeLong(d);
    }
  }

  static Long readOptLong(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readLong() : null;
  }

  /** An element count that cannot exceed the bytes left, so bad input cannot allocate wildly. */
  public static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new Malformed("bad element count " + n);
    }
    return n;
  }
}
