package dev.quiver.storage;

import java.util.Map;
import java.util.Objects;

/**
 * A point to write: its id, its dense vectors by name ({@link CollectionConfig#DEFAULT_VECTOR} for
 * the unnamed one), its sparse vectors by name, its payload, and its multivectors by name (each a
 * list of rows). The arrays are owned by the point once constructed; callers must not change them
 * afterwards.
 */
public record Point(
    PointId id,
    Map<String, float[]> vectors,
    Map<String, SparseVector> sparseVectors,
    Value.Struct payload,
    Map<String, float[][]> multiVectors) {
  public Point {
    Objects.requireNonNull(id, "id");
    vectors = Map.copyOf(Objects.requireNonNull(vectors, "vectors"));
    sparseVectors = sparseVectors == null ? Map.of() : Map.copyOf(sparseVectors);
    payload = payload == null ? Value.Struct.EMPTY : payload;
    multiVectors = multiVectors == null ? Map.of() : Map.copyOf(multiVectors);
  }

  /** A point without multivectors. */
  public Point(
      PointId id,
      Map<String, float[]> vectors,
      Map<String, SparseVector> sparseVectors,
      Value.Struct payload) {
    this(id, vectors, sparseVectors, payload, Map.of());
  }

  /** A point with dense vectors only. */
  public Point(PointId id, Map<String, float[]> vectors, Value.Struct payload) {
    this(id, vectors, Map.of(), payload, Map.of());
  }
}
