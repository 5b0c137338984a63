package dev.quiver.server.rest;

import ch.randelshofer.fastdoubleparser.JsonDoubleParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.request.RequestException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The REST edge's JSON reader: a request body's bytes straight to the tree Jackson would build for
 * them (the same node types: {@code int}-range integers as int nodes, then long, then big integer
 * nodes, decimals as double nodes; the last of duplicate keys wins), except that an array of
 * numbers is held as primitives ({@link NumberArray}). Vectors arrive as hundreds of thousands of
 * decimal numbers a request; they are converted from the bytes where they stand (FastDoubleParser),
 * without a tokenizer copying their digits first.
 *
 * <p>Strict JSON (RFC 8259): no comments, no trailing commas, no leading zeros, strings in valid
 * UTF-8 without raw control characters, surrogate escapes in pairs. Nesting is bounded ({@value
 * #MAX_DEPTH}), as are numbers' lengths ({@value #MAX_NUMBER_LENGTH} characters). Errors are 400s
 * worded as Qdrant's JSON reader words them, with the line and column.
 *
 * <p>A reader serves one parse: not thread-safe; {@link #parse} makes one per body.
 */
final class JsonBytes {
  static final int MAX_DEPTH = 128;
  static final int MAX_NUMBER_LENGTH = 1000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final byte[] b;
  private int i;
  private int depth;
  private CharsetDecoder decoder; // made for the first string that is not ASCII

  private JsonBytes(byte[] body) {
    this.b = body;
  }

  /** The tree of {@code body}; an empty or blank body is an empty object. */
  static JsonNode parse(byte[] body) {
    JsonBytes r = new JsonBytes(body);
    r.skipSpace();
    if (r.i == body.length) {
      return NODES.objectNode();
    }
    JsonNode node = r.value();
    r.skipSpace();
    if (r.i < body.length) {
      throw r.error("trailing characters");
    }
    return node;
  }

  private JsonNode value() {
    skipSpace();
    if (i >= b.length) {
      throw error("EOF while parsing a value");
    }
    return switch (b[i]) {
      case '{' -> object();
      case '[' -> array();
      case '"' -> NODES.textNode(string());
      case 't' -> literal("true", NODES.booleanNode(true));
      case 'f' -> literal("false", NODES.booleanNode(false));
      case 'n' -> literal("null", NODES.nullNode());
      case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> number();
      default -> throw error("expected value");
    };
  }

  private JsonNode literal(String word, JsonNode node) {
    for (int k = 0; k < word.length(); k++) {
      if (i >= b.length) {
        throw error("EOF while parsing a value");
      }
      if (b[i] != word.charAt(k)) {
        throw error("expected value");
      }
      i++;
    }
    return node;
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error("recursion limit exceeded");
    }
  }

  private ObjectNode object() {
    enter();
    i++; // {
    ObjectNode o = NODES.objectNode();
    skipSpace();
    if (i < b.length && b[i] == '}') {
      i++;
      depth--;
      return o;
    }
    while (true) {
      skipSpace();
      if (i >= b.length) {
        throw error("EOF while parsing an object");
      }
      if (b[i] != '"') {
        throw error("key must be a string");
      }
      String key = string();
      skipSpace();
      if (i >= b.length) {
        throw error("EOF while parsing an object");
      }
      if (b[i] != ':') {
        throw error("expected `:`");
      }
      i++;
      o.set(key, value());
      if (closed('}', "an object")) {
        return o;
      }
    }
  }

  /** An array: numbers into a primitive array while they last, nodes from the first other value. */
  private JsonNode array() {
    enter();
    i++; // [
    skipSpace();
    if (i < b.length && b[i] == ']') {
      i++;
      depth--;
      return NODES.arrayNode();
    }
    double[] values = scratch;
    BitSet ints = null;
    int n = 0;
    while (true) {
      skipSpace();
      if (i >= b.length) {
        throw error("EOF while parsing a list");
      }
      byte c = b[i];
      if (c != '-' && (c < '0' || c > '9')) {
        return nodes(values, ints, n);
      }
      double v;
      int kind = quickNumber();
      if (kind == QUICK_DECIMAL) {
        v = quick;
      } else if (kind == QUICK_INT) {
        v = quick;
        ints = integral(ints, n);
      } else {
        int start = i;
        if (scanNumber()) {
          long whole = integer(start);
          if (whole != (int) whole) { // beyond int: a node of its own, as Jackson's tree holds it
            i = start;
            return nodes(values, ints, n);
          }
          v = whole;
          ints = integral(ints, n);
        } else {
          v = decimal(start);
        }
      }
      if (n == values.length) {
        values = Arrays.copyOf(values, n * 2);
        scratch = values;
      }
      values[n++] = v;
      if (closed(']', "a list")) {
        return NumberArray.of(Arrays.copyOf(values, n), n, ints == null ? new BitSet(0) : ints);
      }
    }
  }

  /** {@code ints} (made when null) with member {@code n} marked as written as an integer. */
  private static BitSet integral(BitSet ints, int n) {
    BitSet marked = ints == null ? new BitSet() : ints;
    marked.set(n);
    return marked;
  }

  /**
   * Where the numbers of arrays are gathered, reused from one array to the next (an array's own are
   * copied out of it at its end): a vector's numbers land in it without the array growing under
   * them each time.
   */
  private double[] scratch = new double[64];

  /** What {@link #quickNumber} read: nothing (the full reader takes the number), or which kind. */
  private static final int NOT_QUICK = 0;

  private static final int QUICK_DECIMAL = 1;
  private static final int QUICK_INT = 2;

  /** Eight bytes of a body as one little-endian long: the first byte lowest. */
  private static final VarHandle EIGHT_BYTES =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Whether each of the eight bytes of {@code chunk} is an ASCII digit. */
  private static boolean eightDigits(long chunk) {
    // every high nibble 3, and no low nibble above 9 (adding 6 carries into the high nibble)
    return (chunk & 0xF0F0F0F0F0F0F0F0L) == 0x3030303030303030L
        && ((chunk + 0x0606060606060606L) & 0xF0F0F0F0F0F0F0F0L) == 0x3030303030303030L;
  }

  /**
   * The number the eight ASCII digits of {@code chunk} write, the first byte the most significant:
   * pairs, then quadruples, then the whole, each step one multiplication (Lemire's method).
   */
  private static long eightDigitsValue(long chunk) {
    long v = chunk & 0x0F0F0F0F0F0F0F0FL;
    v = (v * (10 * 256 + 1)) >>> 8 & 0x00FF00FF00FF00FFL;
    v = (v * (100 * 65536 + 1)) >>> 16 & 0x0000FFFF0000FFFFL;
    return (v * (10000L * 4294967296L + 1)) >>> 32;
  }

  /** The value {@link #quickNumber} read. */
  private double quick;

  /**
   * Reads the number at {@code i} when it is one of the common kinds, and says which: a decimal
   * without an exponent, of at most 18 digits, whose significand is below 2^53 and whose power of
   * ten is within 22 (Clinger's fast path, so the value is the correctly rounded one {@link
   * #decimal} gives), or an integer of at most 9 digits. Anything else, a refusal included, is left
   * where it stands ({@code i} unchanged, {@link #NOT_QUICK}) for {@link #scanNumber}, which reads
   * every number and words every error. Vectors are almost all of the first kind; this reads one
   * from locals in one pass.
   */
  private int quickNumber() {
    final byte[] b = this.b;
    final int end = b.length;
    int p = i;
    boolean negative = b[p] == '-';
    if (negative && ++p >= end) {
      return NOT_QUICK;
    }
    long sig = 0;
    int digits = 0;
    int d = b[p] - '0';
    if (d == 0) {
      p++;
      if (p < end && b[p] >= '0' && b[p] <= '9') {
        return NOT_QUICK; // a leading zero
      }
    } else if (d > 0 && d <= 9) {
      while (true) {
        sig = sig * 10 + d;
        digits++;
        if (++p >= end) {
          break;
        }
        d = b[p] - '0';
        if (d < 0 || d > 9) {
          break;
        }
        if (digits == 18) {
          return NOT_QUICK;
        }
      }
    } else {
      return NOT_QUICK;
    }
    int power = 0;
    boolean integral = true;
    if (p < end && b[p] == '.') {
      integral = false;
      int first = ++p;
      // eight digits at a time while they last (a float's fraction is up to nine), as long as the
      // significand stays within the 18 digits a long holds
      while (p + 8 <= end && digits + (p - first) + 8 <= 18) {
        long chunk = (long) EIGHT_BYTES.get(b, p);
        if (!eightDigits(chunk)) {
          break;
        }
        sig = sig * 100_000_000 + eightDigitsValue(chunk);
        p += 8;
      }
      for (; p < end; p++) {
        d = b[p] - '0';
        if (d < 0 || d > 9) {
          break;
        }
        if (digits + (p - first) == 18) {
          return NOT_QUICK;
        }
        sig = sig * 10 + d;
      }
      if (p == first) {
        return NOT_QUICK;
      }
      power = first - p;
    }
    if (p < end && (b[p] | 0x20) == 'e') {
      return NOT_QUICK; // an exponent: rare in vectors (Java prints floats under 1e-3 so)
    }
    if (integral) {
      if (digits > 9) {
        return NOT_QUICK;
      }
      long whole = negative ? -sig : sig;
      quick = whole;
      i = p;
      return QUICK_INT;
    }
    // Clinger's fast path, as in decimal(): an exact significand and an exact power of ten make
    // the quotient or product one correctly rounded operation, so the value is the one any correct
    // reader gives
    if (power < -22 || power > 22 || (sig >>> 53) != 0) {
      return NOT_QUICK;
    }
    double v = sig;
    v = power >= 0 ? v * POWERS[power] : v / POWERS[-power];
    quick = negative ? -v : v;
    i = p;
    return QUICK_DECIMAL;
  }

  /**
   * After a member of an object or a list: true when {@code close} ends it (one level up again),
   * false after the comma that announces the next member; anything else is refused.
   */
  private boolean closed(char close, String container) {
    skipSpace();
    if (i >= b.length) {
      throw error("EOF while parsing " + container);
    }
    byte c = b[i++];
    if (c == close) {
      depth--;
      return true;
    }
    if (c != ',') {
      i--;
      throw error("expected `,` or `" + close + "`");
    }
    skipSpace();
    if (i < b.length && b[i] == close) {
      throw error("trailing comma");
    }
    return false;
  }

  /** The rest of an array as nodes, after the {@code n} numbers read so far. */
  private ArrayNode nodes(double[] values, BitSet ints, int n) {
    ArrayNode a = NODES.arrayNode(n + 1);
    for (int k = 0; k < n; k++) {
      boolean integer = ints != null && ints.get(k);
      a.add(integer ? NODES.numberNode((int) values[k]) : NODES.numberNode(values[k]));
    }
    while (true) {
      a.add(value());
      if (closed(']', "a list")) {
        return a;
      }
    }
  }

  private JsonNode number() {
    int start = i;
    if (!scanNumber()) {
      return NODES.numberNode(decimal(start));
    }
    int digits = i - start - (b[start] == '-' ? 1 : 0);
    if (digits <= 18) {
      long v = integer(start);
      return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
    }
    BigInteger big = new BigInteger(new String(b, start, i - start, StandardCharsets.US_ASCII));
    return big.bitLength() < 64 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
  }

  /**
   * Moves past the number at {@code i} (JSON's grammar: an optional minus, an integer part without
   * leading zeros, an optional fraction and exponent); true when it has neither fraction nor
   * exponent. On the way, the significant digits of a decimal are gathered into {@link
   * #significand} and its power of ten into {@link #power} while they fit ({@link #exact}).
   */
  private boolean scanNumber() {
    int start = i;
    if (b[i] == '-') {
      i++;
    }
    if (i >= b.length) {
      throw error("EOF while parsing a value");
    }
    long sig = 0;
    int digits = 0; // significant digits gathered (leading zeros are not)
    int dropped = 0; // integer digits beyond what the significand holds
    if (b[i] == '0') {
      i++;
      if (i < b.length && b[i] >= '0' && b[i] <= '9') {
        throw error("invalid number");
      }
    } else if (b[i] >= '1' && b[i] <= '9') {
      for (; i < b.length && b[i] >= '0' && b[i] <= '9'; i++) {
        if (digits < 19) {
          sig = sig * 10 + (b[i] - '0');
          digits++;
        } else {
          dropped++;
        }
      }
    } else {
      throw error("invalid number");
    }
    boolean integral = true;
    int power = dropped;
    if (i < b.length && b[i] == '.') {
      integral = false;
      int first = ++i;
      for (; i < b.length && b[i] >= '0' && b[i] <= '9'; i++) {
        if (digits < 19) {
          if (sig != 0 || b[i] != '0') {
            digits++;
          }
          sig = sig * 10 + (b[i] - '0');
          power--;
        }
      }
      if (i == first) {
        throw error(i >= b.length ? "EOF while parsing a value" : "invalid number");
      }
    }
    boolean exponentFits = true;
    if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
      integral = false;
      i++;
      boolean minus = false;
      if (i < b.length && (b[i] == '+' || b[i] == '-')) {
        minus = b[i] == '-';
        i++;
      }
      int first = i;
      int e = 0;
      for (; i < b.length && b[i] >= '0' && b[i] <= '9'; i++) {
        if (e < 100_000) {
          e = e * 10 + (b[i] - '0');
        } else {
          exponentFits = false;
        }
      }
      if (i == first) {
        throw error(i >= b.length ? "EOF while parsing a value" : "invalid number");
      }
      power += minus ? -e : e;
    }
    if (i - start > MAX_NUMBER_LENGTH) {
      i = start;
      throw error("number longer than " + MAX_NUMBER_LENGTH + " characters");
    }
    // Clinger's fast path: a significand below 2^53 and a power of ten that doubles hold exactly
    // make the quotient or product one correctly rounded operation
    exact = exponentFits && digits <= 15 && power >= -22 && power <= 22 && (sig >>> 53) == 0;
    significand = sig;
    negative = b[start] == '-';
    this.power = power;
    return integral;
  }

  /** The last decimal's significand and power of ten, when {@link #exact} says they suffice. */
  private long significand;

  private int power;
  private boolean negative;
  private boolean exact;

  private static final double[] POWERS = new double[23];

  static {
    double p = 1;
    for (int k = 0; k < POWERS.length; k++) {
      POWERS[k] = p;
      p *= 10;
    }
  }

  /**
   * The integer from {@code start} to {@code i} (at most 18 digits: no overflow), or {@link
   * Long#MIN_VALUE} for a longer one (not an {@code int} either way).
   */
  private long integer(int start) {
    int at = start;
    boolean negative = b[at] == '-';
    if (negative) {
      at++;
    }
    if (i - at > 18) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; at < i; at++) {
      v = v * 10 + (b[at] - '0');
    }
    return negative ? -v : v;
  }

  /** The decimal from {@code start} to {@code i}, just scanned, correctly rounded. */
  private double decimal(int start) {
    if (exact) {
      double v = significand;
      v = power >= 0 ? v * POWERS[power] : v / POWERS[-power];
      return negative ? -v : v;
    }
    return JsonDoubleParser.parseDouble(b, start, i - start);
  }

  private String string() {
    int start = ++i; // past the opening quote
    boolean ascii = true;
    while (i < b.length) {
      byte c = b[i];
      if (c == '"') {
        String s =
            ascii ? new String(b, start, i - start, StandardCharsets.ISO_8859_1) : utf8(start, i);
        i++;
        return s;
      }
      if (c == '\\') {
        return escaped(start);
      }
      if (c >= 0 && c < 0x20) {
        throw error("control character (\\u0000-\\u001F) found while parsing a string");
      }
      ascii &= c >= 0;
      i++;
    }
    throw error("EOF while parsing a string");
  }

  /** The rest of a string holding escapes, from {@code start} (its first character). */
  private String escaped(int start) {
    StringBuilder out = new StringBuilder(i - start + 16);
    int run = start; // the bytes from here to i are copied as they are
    while (i < b.length) {
      byte c = b[i];
      if (c == '"') {
        out.append(utf8(run, i));
        i++;
        return out.toString();
      }
      if (c >= 0 && c < 0x20) {
        throw error("control character (\\u0000-\\u001F) found while parsing a string");
      }
      if (c != '\\') {
        i++;
        continue;
      }
      out.append(utf8(run, i));
      i++;
      if (i >= b.length) {
        throw error("EOF while parsing a string");
      }
      switch (b[i++]) {
        case '"' -> out.append('"');
        case '\\' -> out.append('\\');
        case '/' -> out.append('/');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          char u = hex4();
          if (Character.isHighSurrogate(u)) {
            if (i + 1 >= b.length || b[i] != '\\' || b[i + 1] != 'u') {
              throw error("lone leading surrogate in hex escape");
            }
            i += 2;
            char low = hex4();
            if (!Character.isLowSurrogate(low)) {
              throw error("lone leading surrogate in hex escape");
            }
            out.append(u).append(low);
          } else if (Character.isLowSurrogate(u)) {
            throw error("unexpected end of hex escape");
          } else {
            out.append(u);
          }
        }
        default -> {
          i--;
          throw error("invalid escape");
        }
      }
      run = i;
    }
    throw error("EOF while parsing a string");
  }

  private char hex4() {
    if (i + 4 > b.length) {
      i = b.length;
      throw error("EOF while parsing a string");
    }
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int d = Character.digit(b[i], 16);
      if (d < 0) {
        throw error("invalid escape");
      }
      v = v * 16 + d;
      i++;
    }
    return (char) v;
  }

  /** The bytes from {@code from} to {@code to} as UTF-8, refused when they are not valid UTF-8. */
  private String utf8(int from, int to) {
    if (decoder == null) {
      decoder =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
    try {
      return decoder.reset().decode(ByteBuffer.wrap(b, from, to - from)).toString();
    } catch (CharacterCodingException e) {
      i = from;
      throw error("invalid unicode code point");
    }
  }

  private void skipSpace() {
    while (i < b.length) {
      byte c = b[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      i++;
    }
  }

  /** A 400 naming what is wrong where the reader stands: line and column, from 1. */
  private RequestException.Malformed error(String what) {
    int line = 1;
    int lineStart = 0;
    int at = Math.min(i, b.length);
    for (int k = 0; k < at; k++) {
      if (b[k] == '\n') {
        line++;
        lineStart = k + 1;
      }
    }
    return new RequestException.Malformed(
        "Format error in JSON body: "
            + what
            + " at line "
            + line
            + " column "
            + (at - lineStart + 1));
  }
}
