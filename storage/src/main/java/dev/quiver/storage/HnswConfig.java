package dev.quiver.storage;

/** HNSW index parameters of a collection, with Qdrant's names and defaults. */
public record HnswConfig(
    int m, int efConstruct, int fullScanThreshold, int maxIndexingThreads, boolean onDisk) {
  public static final HnswConfig DEFAULT = new HnswConfig(16, 100, 10_000, 0, false);

  public HnswConfig {
    if (m < 0 || efConstruct < 4 || fullScanThreshold < 0 || maxIndexingThreads < 0) {
      throw new IllegalArgumentException(
          "invalid hnsw config: m="
              + m
              + " ef_construct="
              + efConstruct
              + " full_scan_threshold="
              + fullScanThreshold);
    }
  }
}
