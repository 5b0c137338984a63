package dev.quiver.storage;

/** HNSW index parameters of a collection, with Qdrant's names and defaults. */
public record HnswConfig(
    int m, int efConstruct, int fullScanThreshold, int maxIndexingThreads, boolean onDisk) {
  public static final HnswConfig DEFAULT = new HnswConfig(16, 100, 10_000, 0, false);

  /**
   * The largest {@code m} the edges accept: a node's bottom-layer list holds {@code 2m} neighbours,
   * and lists are persisted with a 16-bit length. A configuration stored with a larger one still
   * opens; its graph is built with this.
   */
  public static final int MAX_M = 32_767;

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
