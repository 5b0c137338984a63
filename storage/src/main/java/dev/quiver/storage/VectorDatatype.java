package dev.quiver.storage;

import java.util.Locale;

/**
 * How a dense vector's components are stored ({@code datatype}): 4-byte floats, 2-byte IEEE
 * half-precision floats, or unsigned bytes holding whole numbers from 0 to 255.
 */
public enum VectorDatatype {
  FLOAT32(4),
  FLOAT16(2),
  UINT8(1);

  private final int bytes;

  VectorDatatype(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per component on disk and in memory. */
  public int bytes() {
    return bytes;
  }

  /** The wire name ({@code float32}, {@code float16}, {@code uint8}). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The datatype of a wire name, or null for an unknown one. */
  public static VectorDatatype ofWireName(String name) {
    for (VectorDatatype d : values()) {
      if (d.wireName().equals(name)) {
        return d;
      }
    }
    return null;
  }
}
