package dev.quiver.storage;

/**
 * A search's {@code params.acorn} when enabled: a filtered graph walk goes as ACORN-1 does (only
 * the filter's matches are scored; the neighbours of a rejected node are tested in its place) when
 * the filter's estimated selectivity, the points it passes over the live points, is at most {@code
 * maxSelectivity}. A disabled {@code acorn} is no {@code AcornParams} at all. Immutable.
 */
public record AcornParams(double maxSelectivity) {
  /** Qdrant's {@code max_selectivity} when the request does not give one. */
  public static final double DEFAULT_MAX_SELECTIVITY = 0.4;

  /** Enabled with the default selectivity bound. */
  public static final AcornParams DEFAULT = new AcornParams(DEFAULT_MAX_SELECTIVITY);

  public AcornParams {
    if (!(maxSelectivity >= 0 && maxSelectivity <= 1)) {
      throw new IllegalArgumentException(
          "max_selectivity must be from 0.0 to 1.0, got " + maxSelectivity);
    }
  }

  /** Whether a filter passing {@code selectivity} of the points is walked as ACORN-1 does. */
  public boolean applies(double selectivity) {
    return selectivity <= maxSelectivity;
  }
}
