package dev.quiver.storage;

import java.util.Map;
import java.util.Objects;

/**
 * A point to write: its id, its dense vectors by name ({@link CollectionConfig#DEFAULT_VECTOR} for
 * the unnamed one), its sparse vectors by name and its payload. The arrays are owned by the point
 * once constructed; callers must not change them afterwards.
 */
public record Point(
    PointId id,
    Map<String, float[]> vectors,
    Map<String, SparseVector> sparseVectors,
    Value.Struct payload) {
  public Point {
    Objects.requireNonNull(id, "id");
    vectors = Map.copyOf(Objects.requireNonNull(vectors, "vectors"));
    sparseVectors = sparseVectors == null ? Map.of() : Map.copyOf(sparseVectors);
    payload = payload == null ? Value.Struct.EMPTY : payload;
  }

  /** A point with dense vectors only. */
  public Point(PointId id, Map<String, float[]> vectors, Value.Struct payload) {
    this(id, vectors, Map.of(), payload);
  }
}
