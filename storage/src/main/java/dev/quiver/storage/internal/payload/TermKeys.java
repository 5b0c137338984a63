package dev.quiver.storage.internal.payload;

import dev.quiver.storage.PointId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;

/**
 * The byte forms an on-disk payload index sorts and stores: a term as bytes whose unsigned
 * lexicographic order is the term's order (a tag byte, then a boolean's byte, a number's
 * order-preserving bits big-endian, or a string's UTF-8, which never holds the byte {@code 0xFF}),
 * and a point id as a kind and two longs ordered as unsigned numbers. Stateless, so thread-safe.
 */
final class TermKeys {
  private static final byte BOOLEAN = 0;
  private static final byte NUMBER = 1;
  private static final byte STRING = 2;

  /** A point id's bytes in a posting: kind, then two longs. */
  static final int ID_BYTES = 17;

  /** Orders keys as the file does: unsigned bytes, a shorter prefix first. */
  static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

  private TermKeys() {}

  /** The key of an index term: a {@link Boolean}, {@link Double} or {@link String}. */
  static byte[] of(Object term) {
    return switch (term) {
      case Boolean b -> new byte[] {BOOLEAN, (byte) (b ? 1 : 0)};
      case Double d -> number(d);
      case String s -> string(s);
      default -> throw new IllegalArgumentException("not an index term: " + term.getClass());
    };
  }

  private static byte[] number(double d) {
    long bits = Double.doubleToLongBits(d);
    long sortable = bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
    byte[] out = new byte[9];
    out[0] = NUMBER;
    for (int i = 0; i < 8; i++) {
      out[1 + i] = (byte) (sortable >>> (56 - 8 * i));
    }
    return out;
  }

  private static byte[] string(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[utf8.length + 1];
    out[0] = STRING;
    System.arraycopy(utf8, 0, out, 1, utf8.length);
    return out;
  }

  /**
   * The least key above every key of a string term starting with {@code prefix}: the prefix's key
   * and a byte UTF-8 never holds.
   */
  static byte[] pastPrefix(String prefix) {
    byte[] p = string(prefix);
    byte[] out = Arrays.copyOf(p, p.length + 1);
    out[p.length] = (byte) 0xFF;
    return out;
  }

  /** A point id's kind: 0 for a number, 1 for a UUID. */
  static byte kind(PointId id) {
    return id instanceof PointId.Num ? (byte) 0 : (byte) 1;
  }

  /** A point id's first long: the number, or the UUID's high bits. */
  static long high(PointId id) {
    return switch (id) {
      case PointId.Num n -> n.value();
      case PointId.Uuid u -> u.value().getMostSignificantBits();
    };
  }

  /** A point id's second long: 0, or the UUID's low bits. */
  static long low(PointId id) {
    return switch (id) {
      case PointId.Num n -> 0;
      case PointId.Uuid u -> u.value().getLeastSignificantBits();
    };
  }

  /** The point id of a kind and two longs. */
  static PointId id(byte kind, long high, long low) {
    return kind == 0 ? PointId.of(high) : PointId.of(new UUID(high, low));
  }

  /** Orders two ids by kind, then as unsigned numbers. */
  static int compare(byte kindA, long highA, long lowA, byte kindB, long highB, long lowB) {
    if (kindA != kindB) {
      return Byte.compare(kindA, kindB);
    }
    int c = Long.compareUnsigned(highA, highB);
    return c != 0 ? c : Long.compareUnsigned(lowA, lowB);
  }

  /** Orders point ids as the postings of a file are. */
  static final Comparator<PointId> ID_ORDER =
      (a, b) -> compare(kind(a), high(a), low(a), kind(b), high(b), low(b));
}
