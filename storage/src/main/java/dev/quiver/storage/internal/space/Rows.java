package dev.quiver.storage.internal.space;

import dev.quiver.storage.VectorDatatype;

/**
 * A multivector's rows as its {@code datatype} stores them: float32 rows as given, float16 rows as
 * IEEE half-precision values (two bytes a component), uint8 rows as unsigned bytes holding whole
 * numbers (one byte a component, rounded), the narrow forms in one flat array. A narrow row is
 * widened into a caller's buffer to be scored. Immutable, so thread-safe.
 */
public sealed interface Rows {
  /** How many rows. */
  int count();

  /** Row {@code i}: the stored row itself for float32, else widened into {@code buffer}. */
  float[] row(int i, float[] buffer);

  /** Components a row. */
  int dim();

  /** Every row widened to float32 (copies for the narrow forms). */
  default float[][] toFloats() {
    float[][] out = new float[count()][];
    for (int r = 0; r < out.length; r++) {
      out[r] = row(r, new float[dim()]);
    }
    return out;
  }

  /** {@code rows} stored as {@code datatype} has them (null: float32). */
  static Rows of(float[][] rows, VectorDatatype datatype) {
    if (datatype == null || datatype == VectorDatatype.FLOAT32) {
      return new Float32(rows);
    }
    int dim = rows[0].length;
    if (datatype == VectorDatatype.FLOAT16) {
      short[] halves = new short[rows.length * dim];
      for (int r = 0; r < rows.length; r++) {
        for (int d = 0; d < dim; d++) {
          halves[r * dim + d] = Float.floatToFloat16(rows[r][d]);
        }
      }
      return new Float16(halves, dim);
    }
    byte[] bytes = new byte[rows.length * dim];
    for (int r = 0; r < rows.length; r++) {
      for (int d = 0; d < dim; d++) {
        bytes[r * dim + d] = (byte) Math.round(rows[r][d]);
      }
    }
    return new Uint8(bytes, dim);
  }

  /** Rows of float32 components. */
  record Float32(float[][] rows) implements Rows {
    @Override
    public int count() {
      return rows.length;
    }

    @Override
    public float[] row(int i, float[] buffer) {
      return rows[i];
    }

    @Override
    public int dim() {
      return rows[0].length;
    }

    @Override
    public float[][] toFloats() {
      return rows;
    }
  }

  /** Rows of half-precision components, {@code dim} a row. */
  record Float16(short[] halves, int dim) implements Rows {
    @Override
    public int count() {
      return halves.length / dim;
    }

    @Override
    public float[] row(int i, float[] buffer) {
      int base = i * dim;
      for (int d = 0; d < dim; d++) {
        buffer[d] = Float.float16ToFloat(halves[base + d]);
      }
      return buffer;
    }
  }

  /** Rows of unsigned-byte components, {@code dim} a row. */
  record Uint8(byte[] bytes, int dim) implements Rows {
    @Override
    public int count() {
      return bytes.length / dim;
    }

    @Override
    public float[] row(int i, float[] buffer) {
      int base = i * dim;
      for (int d = 0; d < dim; d++) {
        buffer[d] = bytes[base + d] & 0xFF;
      }
      return buffer;
    }
  }
}
