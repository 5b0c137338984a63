package dev.quiver.storage;

/** Optimizer parameters of a collection, with Qdrant's names and defaults. */
public record OptimizersConfig(
    double deletedThreshold,
    int vacuumMinVectorNumber,
    int defaultSegmentNumber,
    Integer maxSegmentSize,
    int indexingThreshold,
    int flushIntervalSec,
    Integer maxOptimizationThreads) {
  public static final OptimizersConfig DEFAULT =
      new OptimizersConfig(0.2, 1000, 0, null, 10_000, 5, null);
}
