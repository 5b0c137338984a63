package dev.quiver.storage.internal.payload;

import dev.quiver.storage.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact form a payload is held in memory when it is kept serialized: a tag byte per value,
 * variable-length counts and lengths, zig-zag variable-length integers, so a payload of a few short
 * fields takes a dozen bytes instead of the tree of objects it parses into (about ten times that).
 * Encoding and parsing work on a byte array directly; parsing is what a filter on an unindexed
 * field pays per point.
 *
 * <p>Never written to disk (checkpoints and the log have their own codec), so the form may change
 * between versions. Stateless (static methods only), so thread-safe.
 */
public final class PayloadBytes {
  private static final byte NULL = 0;
  private static final byte FALSE = 1;
  private static final byte TRUE = 2;
  private static final byte INT = 3;
  private static final byte DOUBLE = 4;
  private static final byte STR = 5;
  private static final byte ARRAY = 6;
  private static final byte STRUCT = 7;

  private PayloadBytes() {}

  /** {@code payload} in the compact form. */
  public static byte[] encode(Value.Struct payload) {
    Out out = new Out();
    write(out, payload);
    return Arrays.copyOf(out.bytes, out.size);
  }

  /** The length of {@code payload}'s compact form, counted without making it. */
  public static int size(Value.Struct payload) {
    Out out = new Out();
    out.bytes = null; // counting only
    write(out, payload);
    return out.size;
  }

  /** Parses what {@link #encode} made. */
  public static Value.Struct decode(byte[] bytes) {
    In in = new In(bytes);
    Value v = read(in);
    if (!(v instanceof Value.Struct s) || in.at != bytes.length) {
      throw new IllegalArgumentException("not an encoded payload");
    }
    return s;
  }

  private static void write(Out out, Value value) {
    switch (value) {
      case Value.Null n -> out.put(NULL);
      case Value.Bool b -> out.put(b.value() ? TRUE : FALSE);
      case Value.Int i -> {
        out.put(INT);
        out.varLong((i.value() << 1) ^ (i.value() >> 63));
      }
      case Value.Double d -> {
        out.put(DOUBLE);
        long bits = Double.doubleToRawLongBits(d.value());
        for (int k = 0; k < 8; k++) {
          out.put((byte) (bits >>> (8 * k)));
        }
      }
      case Value.Str s -> {
        out.put(STR);
        out.string(s.value());
      }
      case Value.Array a -> {
        out.put(ARRAY);
        out.varLong(a.values().size());
        for (Value v : a.values()) {
          write(out, v);
        }
      }
      case Value.Struct s -> {
        out.put(STRUCT);
        out.varLong(s.fields().size());
        for (var e : s.fields().entrySet()) {
          out.string(e.getKey());
          write(out, e.getValue());
        }
      }
    }
  }

  private static Value read(In in) {
    byte tag = in.get();
    return switch (tag) {
      case NULL -> Value.Null.INSTANCE;
      case FALSE -> new Value.Bool(false);
      case TRUE -> new Value.Bool(true);
      case INT -> {
        long z = in.varLong();
        yield new Value.Int((z >>> 1) ^ -(z & 1));
      }
      case DOUBLE -> {
        long bits = 0;
        for (int k = 0; k < 8; k++) {
          bits |= (in.get() & 0xFFL) << (8 * k);
        }
        yield new Value.Double(Double.longBitsToDouble(bits));
      }
      case STR -> new Value.Str(in.string());
      case ARRAY -> {
        int n = in.count();
        List<Value> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          values.add(read(in));
        }
        yield new Value.Array(values);
      }
      case STRUCT -> {
        int n = in.count();
        Map<String, Value> fields = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
          fields.put(in.string(), read(in));
        }
        yield new Value.Struct(fields);
      }
      default -> throw new IllegalArgumentException("unknown tag " + tag);
    };
  }

  /** A growing byte array, or a counter when it has no array. */
  private static final class Out {
    byte[] bytes = new byte[32];
    int size;

    void put(byte b) {
      if (bytes == null) {
        size++;
        return;
      }
      if (size == bytes.length) {
        bytes = Arrays.copyOf(bytes, size * 2);
      }
      bytes[size++] = b;
    }

    void varLong(long v) {
      while ((v & ~0x7FL) != 0) {
        put((byte) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      put((byte) v);
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varLong(b.length);
      if (bytes == null) {
        size += b.length;
        return;
      }
      if (size + b.length > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + b.length));
      }
      System.arraycopy(b, 0, bytes, size, b.length);
      size += b.length;
    }
  }

  /** A cursor over an encoded payload. */
  private static final class In {
    final byte[] bytes;
    int at;

    In(byte[] bytes) {
      this.bytes = bytes;
    }

    byte get() {
      if (at >= bytes.length) {
        throw new IllegalArgumentException("truncated payload");
      }
      return bytes[at++];
    }

    long varLong() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = get();
        v |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("bad variable-length number");
    }

    /** A count or length, which cannot exceed the bytes left. */
    int count() {
      long n = varLong();
      if (n < 0 || n > bytes.length - at) {
        throw new IllegalArgumentException("bad length " + n);
      }
      return (int) n;
    }

    String string() {
      int n = count();
      String s = new String(bytes, at, n, StandardCharsets.UTF_8);
      at += n;
      return s;
    }
  }
}
