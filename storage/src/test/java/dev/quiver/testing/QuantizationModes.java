package dev.quiver.testing;

import dev.quiver.storage.Quantization;

/** The quantization settings the quantizer tests run, named once. Constants; thread-safe. */
public final class QuantizationModes {
  public static final Quantization SCALAR = new Quantization.Scalar(0.99f, null, null);
  public static final Quantization ONE_BIT = new Quantization.Binary(null, null, null, null);
  public static final Quantization ONE_BIT_8BIT_QUERY =
      new Quantization.Binary(null, Quantization.BinaryQueryEncoding.SCALAR8BITS, null, null);
  public static final Quantization TWO_BITS =
      new Quantization.Binary(Quantization.BinaryEncoding.TWO_BITS, null, null, null);
  public static final Quantization ONE_AND_HALF_BITS_8BIT_QUERY =
      new Quantization.Binary(
          Quantization.BinaryEncoding.ONE_AND_HALF_BITS,
          Quantization.BinaryQueryEncoding.SCALAR8BITS,
          null,
          null);
  public static final Quantization PRODUCT_X8 = new Quantization.Product("x8", null, null);
  public static final Quantization PRODUCT_X32 = new Quantization.Product("x32", null, null);
  public static final Quantization TURBO_4 = new Quantization.Turbo("bits4", null, null);
  public static final Quantization TURBO_2 = new Quantization.Turbo("bits2", null, null);
  public static final Quantization TURBO_1_5 = new Quantization.Turbo("bits1_5", null, null);

  private QuantizationModes() {}
}
