package dev.quiver.server.request;

import dev.quiver.storage.AcornParams;
import java.util.Set;

/** A search's {@code params.acorn}, as REST and gRPC give it, checked as Qdrant does. Stateless. */
public final class AcornSettings {
  private AcornSettings() {}

  /** The fields of {@code params.acorn}. */
  public static final Set<String> FIELDS = Set.of("enable", "max_selectivity");

  /**
   * The ACORN parameters of a search: null unless {@code enable} is true ({@code max_selectivity}
   * is still checked), with {@code max_selectivity} from 0.0 to 1.0 (default 0.4).
   */
  public static AcornParams params(Boolean enable, Double maxSelectivity, String path) {
    if (maxSelectivity != null && !(maxSelectivity >= 0 && maxSelectivity <= 1)) {
      throw new RequestException.Invalid(
          "body",
          path + ".max_selectivity",
          "value " + maxSelectivity + " invalid, must be from 0.0 to 1.0");
    }
    if (enable == null || !enable) {
      return null;
    }
    return maxSelectivity == null ? AcornParams.DEFAULT : new AcornParams(maxSelectivity);
  }
}
