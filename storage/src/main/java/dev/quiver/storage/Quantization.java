package dev.quiver.storage;

import java.util.Locale;
import java.util.Set;

/**
 * Qdrant's {@code quantization_config} of a collection or of one dense vector: compact codes of the
 * vectors that the graph walk scores instead of the full vectors, which then rescore the best
 * candidates. Immutable values.
 *
 * <p>{@link Scalar} (int8), {@link Binary} (every encoding) and {@link Product} are served; {@link
 * Turbo} is parsed so that the edges can name it when they refuse it. {@link Disabled} is only an
 * update ("turn it off"); a configuration never holds it.
 */
public sealed interface Quantization {

  /**
   * Qdrant's deprecated {@code always_ram}, or null when not given; {@link #memory} wins when both
   * are set.
   */
  Boolean alwaysRam();

  /** Where the codes are held, or null: follow the vector storage ({@code on_disk}). */
  SparseVectorParams.Memory memory();

  /**
   * Whether the codes are read into memory when they are written or opened: {@code memory} pinned
   * or cached, else {@code always_ram}, else when the vectors themselves are in RAM.
   */
  default boolean inRam(boolean vectorsOnDisk) {
    if (memory() != null) {
      return memory() != SparseVectorParams.Memory.COLD;
    }
    if (alwaysRam() != null) {
      return alwaysRam();
    }
    return !vectorsOnDisk;
  }

  /** The kind's wire name: {@code scalar}, {@code binary}, {@code product}, {@code turbo}. */
  default String kind() {
    return switch (this) {
      case Scalar s -> "scalar";
      case Binary b -> "binary";
      case Product p -> "product";
      case Turbo t -> "turbo";
      case Disabled d -> "Disabled";
    };
  }

  /** Bytes one code of a {@code dim}-dimensional vector takes (0 for kinds not served). */
  default int codeBytes(int dim) {
    return switch (this) {
      case Scalar s -> dim;
      case Binary b ->
          Long.BYTES
                  * ((dim + 63) / 64
                      + switch (b.encodingOrDefault()) {
                        case ONE_BIT -> 0;
                        case TWO_BITS -> (dim + 63) / 64;
                        case ONE_AND_HALF_BITS -> ((dim + 1) / 2 + 63) / 64;
                      })
              + 3 * Float.BYTES;
      case Product p -> (dim + productWidth(p.compression()) - 1) / productWidth(p.compression());
      case Turbo t -> turboCodeBytes(t.bits(), dim);
      case Disabled d -> 0;
    };
  }

  /**
   * Scalar quantization: each component as one byte over the range the data spans.
   *
   * @param quantile the share of values the range covers, from 0.5 to 1 (outliers beyond it are
   *     clamped), or null for the whole range
   */
  record Scalar(Float quantile, Boolean alwaysRam, SparseVectorParams.Memory memory)
      implements Quantization {
    public Scalar {
      if (quantile != null && !(quantile >= 0.5f && quantile <= 1f)) {
        throw new IllegalArgumentException("quantile must be from 0.5 to 1.0");
      }
    }
  }

  /**
   * Binary quantization: one bit per component (its sign), or two (sign and magnitude).
   *
   * @param encoding bits per component, or null (one bit)
   * @param queryEncoding how the query is encoded, or null ({@code default})
   */
  record Binary(
      BinaryEncoding encoding,
      BinaryQueryEncoding queryEncoding,
      Boolean alwaysRam,
      SparseVectorParams.Memory memory)
      implements Quantization {
    /** The encoding in force. */
    public BinaryEncoding encodingOrDefault() {
      return encoding == null ? BinaryEncoding.ONE_BIT : encoding;
    }

    /** The query encoding in force. */
    public BinaryQueryEncoding queryEncodingOrDefault() {
      return queryEncoding == null ? BinaryQueryEncoding.DEFAULT : queryEncoding;
    }
  }

  /** Product quantization, with Qdrant's {@code compression} ratio (x4 … x64). */
  record Product(String compression, Boolean alwaysRam, SparseVectorParams.Memory memory)
      implements Quantization {
    public Product {
      productWidth(compression); // refuses an unknown ratio
    }
  }

  /**
   * Components one product-quantization byte stands for at {@code compression} (x4 … x64 against
   * float32: 1 … 16).
   */
  static int productWidth(String compression) {
    return switch (compression) {
      case "x4" -> 1;
      case "x8" -> 2;
      case "x16" -> 4;
      case "x32" -> 8;
      case "x64" -> 16;
      case null, default ->
          throw new IllegalArgumentException("unknown compression " + compression);
    };
  }

  /**
   * Qdrant's TurboQuant-style quantization, with its {@code bits} ({@code bits1}, {@code bits1_5},
   * {@code bits2}, {@code bits4}; null: {@code bits4}).
   */
  record Turbo(String bits, Boolean alwaysRam, SparseVectorParams.Memory memory)
      implements Quantization {
    public Turbo {
      if (bits != null && !Set.of("bits1", "bits1_5", "bits2", "bits4").contains(bits)) {
        throw new IllegalArgumentException("unknown turbo bits " + bits);
      }
    }
  }

  /**
   * A turbo code's bytes: the rotation runs over the dimension padded to a power of two ({@code
   * bits1_5}: 1.5 times the dimension, one bit for each of those coordinates), then three floats.
   */
  private static int turboCodeBytes(String bits, int dim) {
    if ("bits1_5".equals(bits)) {
      return Long.BYTES * (((dim * 3 + 1) / 2 + 63) / 64) + 3 * Float.BYTES;
    }
    int padded = Integer.highestOneBit(Math.max(1, dim - 1)) << 1;
    return switch (bits == null ? "bits4" : bits) {
          case "bits1" -> Long.BYTES * ((padded + 63) / 64);
          case "bits2" -> 2 * Long.BYTES * ((padded + 63) / 64);
          default -> (padded + 1) / 2;
        }
        + 3 * Float.BYTES;
  }

  /** {@code "Disabled"} in an update: the vector or collection has no quantization after it. */
  record Disabled() implements Quantization {
    @Override
    public Boolean alwaysRam() {
      return null;
    }

    @Override
    public SparseVectorParams.Memory memory() {
      return null;
    }
  }

  /** Bits per component of a binary code. */
  enum BinaryEncoding {
    ONE_BIT,
    TWO_BITS,
    ONE_AND_HALF_BITS;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The encoding of a wire name, or null for an unknown one. */
    public static BinaryEncoding ofWireName(String name) {
      for (BinaryEncoding e : values()) {
        if (e.wireName().equals(name)) {
          return e;
        }
      }
      return null;
    }
  }

  /**
   * How a query is compared with binary codes: {@code default} and {@code binary} binarize it as
   * the stored vectors are; {@code scalar8bits} and {@code scalar4bits} keep it at 8 or 4 bits a
   * component (asymmetric: more exact, slower).
   */
  enum BinaryQueryEncoding {
    DEFAULT,
    BINARY,
    SCALAR4BITS,
    SCALAR8BITS;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The query encoding of a wire name, or null for an unknown one. */
    public static BinaryQueryEncoding ofWireName(String name) {
      for (BinaryQueryEncoding e : values()) {
        if (e.wireName().equals(name)) {
          return e;
        }
      }
      return null;
    }
  }
}
