package dev.quiver.storage;

/**
 * A search's {@code params.quantization}: whether to walk the quantized codes at all ({@code
 * ignore}), whether to rescore the candidates with the full vectors ({@code rescore}; null: as
 * Qdrant decides, yes for binary and turbo codes, no for scalar and product ones), and how many
 * more candidates than the limit to take from the codes for rescoring ({@code oversampling}, at
 * least 1; null: 1). Immutable.
 */
public record QuantizationParams(boolean ignore, Boolean rescore, Double oversampling) {
  /** The most {@code oversampling} a request may ask for. */
  public static final double MAX_OVERSAMPLING = 100;

  public QuantizationParams {
    if (oversampling != null && !(oversampling >= 1 && oversampling <= MAX_OVERSAMPLING)) {
      throw new IllegalArgumentException(
          "oversampling must be from 1 to " + (int) MAX_OVERSAMPLING + ", got " + oversampling);
    }
  }

  /**
   * Whether candidates are rescored with the full vectors, {@code byDefault} when the request does
   * not say.
   */
  public boolean rescoreOr(boolean byDefault) {
    return rescore == null ? byDefault : rescore;
  }

  /**
   * Qdrant's default for {@code rescore}: binary codes lose too much to rank by alone; scalar codes
   * rank close enough.
   */
  public static boolean rescoresByDefault(Quantization q) {
    return q instanceof Quantization.Binary || q instanceof Quantization.Turbo;
  }

  /** The oversampling in force. */
  public double oversamplingOrDefault() {
    return oversampling == null ? 1 : oversampling;
  }
}
