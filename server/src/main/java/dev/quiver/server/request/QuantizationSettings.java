package dev.quiver.server.request;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationParams;

/**
 * The checks both edges make on a {@code quantization_config} and on a search's {@code
 * params.quantization}: a configuration that would leave a vector unquantized while saying
 * otherwise (a multivector) or that cannot score it (turbo codes with Manhattan) is refused, and
 * the oversampling is bounded. Stateless (static methods only), so thread-safe.
 */
public final class QuantizationSettings {
  private QuantizationSettings() {}

  /**
   * Refuses a configuration whose quantization would not reach one of its vectors: multivectors are
   * scored without codes.
   */
  public static CollectionConfig checked(CollectionConfig c) {
    c.vectors()
        .forEach(
            (name, p) -> {
              Quantization q = p.quantizationOr(c.quantization());
              if (p.multivector() && q != null) {
                throw new RequestException.Unsupported(
                    "Bad request: `quantization_config` of multivector `"
                        + name
                        + "` is not supported by Quiver: multivectors are scored without codes");
              }
              if (q instanceof Quantization.Turbo && p.distance() == Distance.MANHATTAN) {
                throw new RequestException.Unsupported(
                    "Bad request: `quantization_config.turbo` of Manhattan vector `"
                        + name
                        + "` is not supported by Quiver: a rotation does not keep L1 distances");
              }
            });
    return c;
  }

  /** A search's {@code params.quantization}, checked: oversampling from 1 to the cap. */
  public static QuantizationParams params(
      boolean ignore, Boolean rescore, Double oversampling, String path) {
    if (oversampling != null
        && !(oversampling >= 1 && oversampling <= QuantizationParams.MAX_OVERSAMPLING)) {
      throw new RequestException.Invalid(
          "body",
          path + ".oversampling",
          "value "
              + oversampling
              + " invalid, must be from 1 to "
              + (int) QuantizationParams.MAX_OVERSAMPLING);
    }
    return new QuantizationParams(ignore, rescore, oversampling);
  }
}
