package dev.quiver.server.request;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationParams;
import dev.quiver.storage.VectorParams;

/**
 * The checks both edges make on a {@code quantization_config} and on a search's {@code
 * params.quantization}: the kinds Quiver serves (scalar int8, binary with any encoding, product)
 * are taken, the others refused by name, and a configuration that would leave a vector unquantized
 * while saying otherwise (a multivector) is refused. Stateless (static methods only), so
 * thread-safe.
 */
public final class QuantizationSettings {
  private QuantizationSettings() {}

  /**
   * {@code q} if Quiver serves it (null and {@link Quantization.Disabled} pass), else a 400 naming
   * the setting at {@code path}.
   */
  public static Quantization served(Quantization q, String path) {
    switch (q) {
      case null -> {
        return null;
      }
      case Quantization.Turbo t ->
          throw new RequestException.Unsupported(
              "Bad request: `"
                  + path
                  + ".turbo` is not supported by Quiver: turbo quantization is not implemented;"
                  + " use `scalar`, `binary` or `product`");
      default -> {
        return q;
      }
    }
  }

  /**
   * Refuses a configuration whose quantization would not reach one of its vectors: multivectors are
   * scored without codes.
   */
  public static CollectionConfig checked(CollectionConfig c) {
    c.vectors()
        .forEach(
            (name, p) -> {
              if (p.multivector() && p.quantizationOr(c.quantization()) != null) {
                throw new RequestException.Unsupported(
                    "Bad request: `quantization_config` of multivector `"
                        + name
                        + "` is not supported by Quiver: multivectors are scored without codes");
              }
            });
    return c;
  }

  /** A vector's parameters with its own quantization, checked. */
  public static VectorParams withOwn(VectorParams p, Quantization q, String path) {
    return q == null ? p : p.withQuantization(served(q, path));
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
