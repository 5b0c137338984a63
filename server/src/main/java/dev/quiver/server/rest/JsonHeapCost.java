package dev.quiver.server.rest;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * How much heap a JSON body will take once read into a tree ({@link Json}), from one pass over its
 * bytes that allocates nothing. Each byte is weighed by what it starts: {@code '{'} an object node
 * and its member map, {@code '['} an array node, {@code ':'} a member (its map entry, its key's
 * string object, a value node), {@code '"'} half a string object, {@code ','} a number's slot in
 * a {@link NumberArray}, any other byte its own character (two if non-ASCII: a UTF-16 string). So
 * {@code [{},{},...]} (three bytes an element on the wire, a hundred on the heap) is seen for what
 * it is, while an array of numbers costs about its length. Braces and quotes inside strings are
 * weighed too, which only overestimates. An upper estimate, not a measure. Stateless; thread-safe.
 */
final class JsonHeapCost {
  /** An object node and its member map. */
  static final int OBJECT = 96;

  /** An array node and its list. */
  static final int ARRAY = 48;

  /** A member: its map entry, its key's string object, and a value node. */
  static final int MEMBER = 96;

  /** Half a string object (a string has two quotes). */
  static final int QUOTE = 24;

  /** A number's slot in an array of numbers. */
  static final int COMMA = 8;

  private static final int[] WEIGHT = new int[256];

  static {
    for (int b = 0; b < 256; b++) {
      WEIGHT[b] = b < 0x80 ? 1 : 2;
    }
    WEIGHT['{'] = OBJECT;
    WEIGHT['['] = ARRAY;
    WEIGHT[':'] = MEMBER;
    WEIGHT['"'] = QUOTE;
    WEIGHT[','] = COMMA;
    for (byte b : new byte[] {' ', '\t', '\n', '\r'}) {
      WEIGHT[b] = 0;
    }
  }

  private JsonHeapCost() {}

  private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_PREFERRED;

  /**
   * The estimated heap of {@code body} read as a JSON tree: lanes of bytes at a time (the Vector
   * API), counting each weighed byte per lane; the tail one byte at a time. Both give {@link
   * #weighed}'s sum.
   */
  static long of(byte[] body) {
    int lanes = BYTES.length();
    int whole = BYTES.loopBound(body.length);
    long cost = 0;
    for (int k = 0; k < whole; k += lanes) {
      ByteVector v = ByteVector.fromArray(BYTES, body, k);
      int blank =
          v.eq((byte) ' ')
              .or(v.eq((byte) '\n'))
              .or(v.eq((byte) '\r'))
              .or(v.eq((byte) '\t'))
              .trueCount();
      int wide = v.lt((byte) 0).trueCount(); // 0x80 and above
      cost +=
          lanes
              - blank
              + wide
              + (long) v.eq((byte) '{').trueCount() * (OBJECT - 1)
              + (long) v.eq((byte) ':').trueCount() * (MEMBER - 1)
              + (long) v.eq((byte) '[').trueCount() * (ARRAY - 1)
              + (long) v.eq((byte) '"').trueCount() * (QUOTE - 1)
              + (long) v.eq((byte) ',').trueCount() * (COMMA - 1);
    }
    for (int k = whole; k < body.length; k++) {
      cost += WEIGHT[body[k] & 0xFF];
    }
    return cost;
  }

  /** The same sum a byte at a time: the definition {@link #of} is checked against. */
  static long weighed(byte[] body) {
    long cost = 0;
    for (byte b : body) {
      cost += WEIGHT[b & 0xFF];
    }
    return cost;
  }
}
