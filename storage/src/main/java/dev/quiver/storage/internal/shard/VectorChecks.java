package dev.quiver.storage.internal.shard;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.internal.vector.VectorMath;
import java.util.HashMap;
import java.util.Map;

/**
 * The checks a point's vectors pass against the collection's configuration before a shard logs or
 * applies them: each names a vector of the right kind (dense, sparse or multivector), has its size,
 * holds finite numbers within its datatype's range, and multivectors have 1 to {@value
 * VectorParams#MAX_MULTIVECTOR_ROWS} rows. Dense rows come back as copies, normalised for Cosine.
 * Errors carry Qdrant's wording. Stateless.
 */
public final class VectorChecks {
  private VectorChecks() {}

  /** Checks names and sizes; a whole point ({@code complete}) must have the unnamed vector. */
  static Map<String, float[]> vectors(CollectionConfig config, Point p, boolean complete) {
    if (complete
        && config.unnamedVector()
        && !p.vectors().containsKey(CollectionConfig.DEFAULT_VECTOR)
        && !p.multiVectors().containsKey(CollectionConfig.DEFAULT_VECTOR)) {
      throw new StorageException.BadInput(
          "Vector inserted with wrong name: point "
              + p.id()
              + " has no vector for the collection's unnamed vector");
    }
    Map<String, float[]> out = new HashMap<>();
    for (var e : p.vectors().entrySet()) {
      VectorParams params = params(config, e.getKey());
      if (params.multivector()) {
        throw new StorageException.BadInput(
            "Wrong input: vector `" + e.getKey() + "` is a multivector; give a list of vectors");
      }
      out.put(e.getKey(), row(params, e.getValue(), p.id()));
    }
    return out;
  }

  /**
   * Checks each multivector of {@code p}: a multivector of the collection, 1 to {@value
   * VectorParams#MAX_MULTIVECTOR_ROWS} rows of its size, finite; Cosine rows normalised (copies).
   */
  static Map<String, float[][]> multi(CollectionConfig config, Point p) {
    Map<String, float[][]> out = new HashMap<>();
    for (var e : p.multiVectors().entrySet()) {
      VectorParams params = params(config, e.getKey());
      if (!params.multivector()) {
        throw new StorageException.BadInput(
            "Wrong input: vector `" + e.getKey() + "` is a single vector; a multivector was given");
      }
      float[][] rows = e.getValue();
      if (rows.length == 0 || rows.length > VectorParams.MAX_MULTIVECTOR_ROWS) {
        throw new StorageException.BadInput(
            "multivector of point "
                + p.id()
                + " must hold 1 to "
                + VectorParams.MAX_MULTIVECTOR_ROWS
                + " vectors, got "
                + rows.length);
      }
      float[][] copy = new float[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        copy[i] = row(params, rows[i], p.id());
      }
      out.put(e.getKey(), copy);
    }
    return out;
  }

  /**
   * A query's row: of {@code params}' size, finite, normalised for Cosine (a copy); a query is not
   * stored, so the datatype's range does not apply.
   */
  static float[] queryRow(VectorParams params, float[] v) {
    return prepared(params, finite(params, v, null));
  }

  private static float[] finite(VectorParams params, float[] v, PointId id) {
    if (v.length != params.size()) {
      throw dimensionError(params.size(), v.length);
    }
    for (float f : v) {
      if (!Float.isFinite(f)) {
        throw new StorageException.BadInput(
            "vector of point " + id + " contains a non-finite number");
      }
    }
    return v;
  }

  private static float[] prepared(VectorParams params, float[] v) {
    float[] copy = v.clone();
    if (params.distance() == Distance.COSINE) {
      VectorMath.normalize(copy);
    }
    return copy;
  }

  /** A vector of {@code params}' size, finite, normalised for Cosine (a copy). */
  static float[] row(VectorParams params, float[] v, PointId id) {
    finite(params, v, id);
    switch (params.storedAs()) {
      case UINT8 -> {
        for (float f : v) {
          if (f < 0 || f > 255) {
            throw new StorageException.BadInput(
                "Wrong input: uint8 vector components must be from 0 to 255, got " + f);
          }
        }
      }
      case FLOAT16 -> {
        for (float f : v) {
          if (Math.abs(f) > 65504f) { // the largest finite half-precision float
            throw new StorageException.BadInput(
                "Wrong input: float16 vector components must be within ±65504, got " + f);
          }
        }
      }
      case FLOAT32 -> {}
    }
    return prepared(params, v);
  }

  /** Checks that each sparse vector of {@code p} names one of the collection's sparse vectors. */
  static Map<String, SparseVector> sparse(CollectionConfig config, Point p) {
    for (String name : p.sparseVectors().keySet()) {
      if (!config.sparseVectors().containsKey(name)) {
        throw new StorageException.BadInput(
            config.vectors().containsKey(name)
                ? "Wrong input: vector `" + name + "` is dense; a sparse vector was given"
                : "Not existing vector name error: " + name);
      }
    }
    return p.sparseVectors();
  }

  static VectorParams params(CollectionConfig config, String vectorName) {
    VectorParams params = config.vectors().get(vectorName);
    if (params == null && config.sparseVectors().containsKey(vectorName)) {
      throw new StorageException.BadInput(
          "Wrong input: vector `" + vectorName + "` is sparse; a dense vector was given");
    }
    if (params == null) {
      throw new StorageException.BadInput("Not existing vector name error: " + vectorName);
    }
    return params;
  }

  static StorageException.BadInput dimensionError(int expected, int got) {
    return new StorageException.BadInput(
        "Vector dimension error: expected dim: " + expected + ", got " + got);
  }
}
