package dev.quiver.storage.internal.quant;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Turns vectors into fixed-size codes and scores queries against them. A quantizer is trained once
 * (from a sample of the vectors) and is immutable after; its parameters are written beside the
 * codes, so reopened codes are read with the quantizer that wrote them. Thread-safe: immutable.
 */
public sealed interface Quantizer
    permits ScalarQuantizer, BinaryQuantizer, ProductQuantizer, TurboQuantizer {

  /** Bytes one code takes. */
  int codeBytes();

  /** Writes the code of {@code v} (prepared: normalised for Cosine) at {@code offset}. */
  void encode(float[] v, MemorySegment dst, long offset);

  /**
   * A scorer of {@code query} (prepared) against the codes of {@code codes}, estimating the
   * similarity the full vectors would give.
   */
  SlotScorer scorer(float[] query, Codes codes);

  /**
   * The oldest version of the code files ({@link QuantizedCodes#VERSION}) whose codes this
   * quantizer reads as it writes them; older codes are discarded and encoded again.
   */
  default int oldestCodeVersion() {
    return 1;
  }

  /** The parameters, for {@link #read}. */
  void write(DataOutputStream out) throws IOException;

  /** Where codes are read from: the segment and offset of a slot's code. */
  interface Codes {
    MemorySegment segment(int slot);

    long offset(int slot);
  }

  /** A quantizer of {@code config} for vectors of {@code dim} under {@code distance}. */
  static Quantizer train(Quantization config, Distance distance, int dim, List<float[]> sample) {
    return switch (config) {
      case Quantization.Scalar s -> ScalarQuantizer.train(s, distance, dim, sample);
      case Quantization.Binary b -> BinaryQuantizer.train(b, distance, dim, sample);
      case Quantization.Product p ->
          ProductQuantizer.train(p.compression(), distance, dim, sample, 42);
      case Quantization.Turbo t -> TurboQuantizer.train(t.bits(), distance, dim, sample, 42);
      default ->
          throw new IllegalArgumentException(
              config.getClass().getSimpleName() + " quantization is not served");
    };
  }

  static Quantizer read(DataInputStream in, Quantization config, Distance distance, int dim)
      throws IOException {
    return switch (config) {
      case Quantization.Scalar s -> ScalarQuantizer.read(in, distance, dim);
      case Quantization.Binary b -> BinaryQuantizer.read(in, b, distance, dim);
      case Quantization.Product p -> ProductQuantizer.read(in, p.compression(), distance, dim);
      case Quantization.Turbo t -> TurboQuantizer.read(in, t.bits(), distance, dim);
      default ->
          throw new IllegalArgumentException(
              config.getClass().getSimpleName() + " quantization is not served");
    };
  }

  /** Whether this kind of quantization is served (the others are refused at the edges). */
  static boolean served(Quantization config) {
    return config != null && !(config instanceof Quantization.Disabled);
  }
}
