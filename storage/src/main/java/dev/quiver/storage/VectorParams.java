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
 * @param hnsw this vector's own HNSW settings ({@code hnsw_config} of the vector), or null for the
 *     collection's
 */
public record VectorParams(int size, Distance distance, Boolean onDisk, HnswConfig hnsw) {
  public static final int MAX_SIZE = 65536;

  /** Parameters with the collection's HNSW settings. */
  public VectorParams(int size, Distance distance, Boolean onDisk) {
    this(size, distance, onDisk, null);
  }

  /**
   * The HNSW settings in force for this vector in a collection whose own are {@code collection}.
   */
  public HnswConfig hnswOr(HnswConfig collection) {
    return hnsw != null ? hnsw : collection;
  }

  public VectorParams {
    Objects.requireNonNull(distance, "distance");
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException("vector size " + size + " outside 1.." + MAX_SIZE);
    }
  }
}
