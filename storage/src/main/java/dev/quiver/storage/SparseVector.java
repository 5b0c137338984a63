package dev.quiver.storage;

import java.util.Arrays;

/**
 * A sparse vector: the dimensions that are not zero, as {@code indices}, and their {@code values}.
 * Indices are Qdrant's unsigned 32-bit dimension ids, held in an {@code int} and ordered as
 * unsigned. A vector made through {@link #of} has unique indices in ascending order; the arrays are
 * owned by the vector once constructed and never changed. Immutable.
 */
public record SparseVector(int[] indices, float[] values) {
  /** The most non-zero dimensions one vector may carry. */
  public static final int MAX_LENGTH = 65_536;

  public static final SparseVector EMPTY = new SparseVector(new int[0], new float[0]);

  public SparseVector {
    if (indices.length != values.length) {
      throw new StorageException.BadInput("values: must be the same length as indices");
    }
  }

  /**
   * A vector from a request's indices and values (copied): they must be as many, the indices
   * unique, at most {@link #MAX_LENGTH} and the values finite; the result is sorted by index.
   *
   * @throws StorageException.BadInput with Qdrant's validation wording otherwise
   */
  public static SparseVector of(int[] indices, float[] values) {
    if (indices.length != values.length) {
      throw new StorageException.BadInput("values: must be the same length as indices");
    }
    if (indices.length > MAX_LENGTH) {
      throw new StorageException.BadInput(
          "indices: a sparse vector has at most " + MAX_LENGTH + " elements");
    }
    for (float v : values) {
      if (!Float.isFinite(v)) {
        throw new StorageException.BadInput("values: must be finite numbers");
      }
    }
    int n = indices.length;
    // the index in the high half, its sign bit flipped so that signed order is unsigned order,
    // and its position in the low half
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      keyed[i] = ((long) (indices[i] ^ Integer.MIN_VALUE) << 32) | i;
    }
    Arrays.sort(keyed);
    int[] idx = new int[n];
    float[] val = new float[n];
    for (int i = 0; i < n; i++) {
      idx[i] = (int) (keyed[i] >> 32) ^ Integer.MIN_VALUE;
      val[i] = values[(int) (keyed[i] & 0xFFFFFFFFL)];
      if (i > 0 && idx[i] == idx[i - 1]) {
        throw new StorageException.BadInput("indices: must be unique");
      }
    }
    return new SparseVector(idx, val);
  }

  /** How many dimensions are not zero. */
  public int size() {
    return indices.length;
  }

  /**
   * The dot product with {@code other} (both sorted), or NaN when they share no dimension: as in
   * Qdrant, such a point is not a match at all rather than a match scoring zero.
   */
  public float dot(SparseVector other) {
    int[] a = indices;
    int[] b = other.indices;
    int i = 0;
    int j = 0;
    float sum = 0;
    boolean overlap = false;
    while (i < a.length && j < b.length) {
      int c = Integer.compareUnsigned(a[i], b[j]);
      if (c < 0) {
        i++;
      } else if (c > 0) {
        j++;
      } else {
        sum += values[i++] * other.values[j++];
        overlap = true;
      }
    }
    return overlap ? sum : Float.NaN;
  }

  /** This vector plus {@code other} times {@code scale} (both sorted); the result is sorted. */
  public SparseVector plus(SparseVector other, float scale) {
    int[] a = indices;
    int[] b = other.indices;
    int[] idx = new int[a.length + b.length];
    float[] val = new float[idx.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < a.length || j < b.length) {
      int c = i == a.length ? 1 : j == b.length ? -1 : Integer.compareUnsigned(a[i], b[j]);
      if (c < 0) {
        idx[n] = a[i];
        val[n++] = values[i++];
      } else if (c > 0) {
        idx[n] = b[j];
        val[n++] = other.values[j++] * scale;
      } else {
        idx[n] = a[i];
        val[n++] = values[i++] + other.values[j++] * scale;
      }
    }
    return new SparseVector(Arrays.copyOf(idx, n), Arrays.copyOf(val, n));
  }

  /** This vector with every value times {@code scale}. */
  public SparseVector times(float scale) {
    float[] val = values.clone();
    for (int i = 0; i < val.length; i++) {
      val[i] *= scale;
    }
    return new SparseVector(indices, val);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparseVector s
        && Arrays.equals(indices, s.indices)
        && Arrays.equals(values, s.values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(indices) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "SparseVector" + Arrays.toString(indices) + Arrays.toString(values);
  }
}
