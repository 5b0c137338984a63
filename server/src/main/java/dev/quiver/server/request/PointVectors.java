package dev.quiver.server.request;

import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The vectors of one point as a request gives them, dense, sparse and multi by name, before the
 * collection checks them. Mutable while an edge decodes a request, then handed to a {@link Point};
 * confined to the decoding thread.
 */
public record PointVectors(
    Map<String, float[]> dense, Map<String, SparseVector> sparse, Map<String, float[][]> multi) {

  public PointVectors() {
    this(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
  }

  /** The point these vectors belong to. */
  public Point point(PointId id, Value.Struct payload) {
    return new Point(id, dense, sparse, payload, multi);
  }

  /**
   * A sparse vector from a request's indices and values at {@code path}: at most {@link
   * SparseVector#MAX_LENGTH} elements, as many values as indices, the indices unique (a validation
   * error in Qdrant's wording otherwise, {@code where} naming the part of the request, "JSON body"
   * or "body"); sorted by index.
   */
  public static SparseVector sparse(int[] indices, float[] values, String where, String path) {
    if (indices.length > SparseVector.MAX_LENGTH) {
      throw new RequestException.Invalid(
          where,
          path + ".indices",
          "a sparse vector has at most " + SparseVector.MAX_LENGTH + " elements");
    }
    try {
      return SparseVector.of(indices, values);
    } catch (StorageException.BadInput e) { // "field: problem"
      int colon = e.getMessage().indexOf(':');
      throw new RequestException.Invalid(
          where,
          path + "." + e.getMessage().substring(0, colon),
          e.getMessage().substring(colon + 2));
    }
  }

  /** Refuses a multivector of more rows than the engine holds, before its rows are read. */
  public static void checkRows(int rows, String where, String path) {
    if (rows > VectorParams.MAX_MULTIVECTOR_ROWS) {
      throw new RequestException.Invalid(
          where,
          path,
          "a multivector holds at most " + VectorParams.MAX_MULTIVECTOR_ROWS + " vectors");
    }
  }

  /** Refuses a name given twice, once dense and once sparse. */
  public void checkNames(String path) {
    for (String name : sparse.keySet()) {
      if (dense.containsKey(name)) {
        throw new RequestException.Invalid(
            "JSON body", path + "." + name, "given as a dense and as a sparse vector");
      }
    }
  }
}
