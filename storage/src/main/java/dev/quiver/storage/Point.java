package dev.quiver.storage;

import java.util.Map;
import java.util.Objects;

/**
 * A point to write: its id, its vectors by name ({@link CollectionConfig#DEFAULT_VECTOR} for the
 * unnamed one) and its payload. The arrays are owned by the point once constructed; callers must
 * not change them afterwards.
 */
public record Point(PointId id, Map<String, float[]> vectors, Value.Struct payload) {
  public Point {
    Objects.requireNonNull(id, "id");
    vectors = Map.copyOf(Objects.requireNonNull(vectors, "vectors"));
    payload = payload == null ? Value.Struct.EMPTY : payload;
  }
}
