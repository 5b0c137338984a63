package dev.quiver.storage;

import java.util.Objects;

/**
 * Parameters of one vector space of a collection.
 *
 * @param size dimension, 1..65536
 * @param distance the distance function
 * @param onDisk Qdrant's {@code on_disk} flag for the vector storage, or null when not given
 */
public record VectorParams(int size, Distance distance, Boolean onDisk) {
  public static final int MAX_SIZE = 65536;

  public VectorParams {
    Objects.requireNonNull(distance, "distance");
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException("vector size " + size + " outside 1.." + MAX_SIZE);
    }
  }
}
