package dev.quiver.storage;

/**
 * A search's {@code params.quantization}: whether to walk the quantized codes at all ({@code
 * ignore}), whether to rescore the candidates with the full vectors ({@code rescore}; null: yes, as
 * Qdrant decides when the vectors are at hand), and how many more candidates than the limit to take
 * from the codes for rescoring ({@code oversampling}, at least 1; null: 1). Immutable.
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

  /** Whether candidates are rescored with the full vectors. */
  public boolean rescoreOrDefault() {
    return rescore == null || rescore;
  }

  /** The oversampling in force. */
  public double oversamplingOrDefault() {
    return oversampling == null ? 1 : oversampling;
  }
}
