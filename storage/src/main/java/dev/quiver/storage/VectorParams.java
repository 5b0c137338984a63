package dev.quiver.storage;

import java.util.Objects;

/**
 * Parameters of one vector space of a collection.
 *
 * @param size dimension, 1..65536
 * @param distance the distance function
 * @param onDisk Qdrant's {@code on_disk} flag for the vector storage, or null when not given: true
 *     leaves the vectors to the page cache, read on demand; otherwise they are loaded into memory
 *     when the shard opens, as Qdrant keeps them in RAM
 * @param hnsw this vector's own HNSW settings ({@code hnsw_config} of the vector) as given, laid
 *     over the collection's; null for the collection's alone
 * @param multivector Qdrant's {@code multivector_config} with the {@code max_sim} comparator: each
 *     point holds a list of vectors of {@code size}, scored against a query's list by MaxSim (the
 *     sum over the query's vectors of the best similarity to the point's); Dot and Cosine only
 * @param datatype how the components are stored, or null when not given (float32)
 * @param quantization this vector's own {@code quantization_config}, or null for the collection's
 *     (never {@link Quantization.Disabled})
 */
public record VectorParams(
    int size,
    Distance distance,
    Boolean onDisk,
    HnswDiff hnsw,
    boolean multivector,
    VectorDatatype datatype,
    Quantization quantization) {
  public static final int MAX_SIZE = 65536;

  /** The most vectors one multivector may hold. */
  public static final int MAX_MULTIVECTOR_ROWS = 10_000;

  /** A single vector per point. */
  public VectorParams(int size, Distance distance, Boolean onDisk, HnswDiff hnsw) {
    this(size, distance, onDisk, hnsw, false, null);
  }

  /** Without a quantization of its own. */
  public VectorParams(
      int size,
      Distance distance,
      Boolean onDisk,
      HnswDiff hnsw,
      boolean multivector,
      VectorDatatype datatype) {
    this(size, distance, onDisk, hnsw, multivector, datatype, null);
  }

  /** The same parameters with {@code next} as the vector's own quantization (null: none). */
  public VectorParams withQuantization(Quantization next) {
    return new VectorParams(size, distance, onDisk, hnsw, multivector, datatype, next);
  }

  /** The quantization in force for this vector in a collection whose own is {@code collection}. */
  public Quantization quantizationOr(Quantization collection) {
    return quantization != null ? quantization : collection;
  }

  /** Components stored as float32. */
  public VectorParams(
      int size, Distance distance, Boolean onDisk, HnswDiff hnsw, boolean multivector) {
    this(size, distance, onDisk, hnsw, multivector, null);
  }

  /** The datatype in force. */
  public VectorDatatype storedAs() {
    return datatype == null ? VectorDatatype.FLOAT32 : datatype;
  }

  /** Parameters with the collection's HNSW settings. */
  public VectorParams(int size, Distance distance, Boolean onDisk) {
    this(size, distance, onDisk, null);
  }

  /**
   * The HNSW settings in force for this vector in a collection whose own are {@code collection}.
   */
  public HnswConfig hnswOr(HnswConfig collection) {
    return hnsw != null ? hnsw.over(collection) : collection;
  }

  public VectorParams {
    Objects.requireNonNull(distance, "distance");
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException("vector size " + size + " outside 1.." + MAX_SIZE);
    }
    if (multivector && distance != Distance.DOT && distance != Distance.COSINE) {
      throw new IllegalArgumentException("multivectors are scored with Dot or Cosine only");
    }
    if (datatype == VectorDatatype.UINT8 && distance == Distance.COSINE) {
      throw new IllegalArgumentException(
          "uint8 vectors hold whole numbers and Cosine vectors are normalised: use Dot");
    }
    if (quantization instanceof Quantization.Disabled) {
      throw new IllegalArgumentException("Disabled is an update, not a quantization");
    }
  }
}
