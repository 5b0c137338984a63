package dev.quiver.storage;

/**
 * Parameters of one named sparse vector of a collection, with Qdrant's names. A null field was not
 * given by the user and is shown as absent, as Qdrant shows only what was set. Immutable.
 *
 * @param fullScanThreshold below this many candidate points a filtered search scores them one by
 *     one instead of walking the inverted index ({@code index.full_scan_threshold})
 * @param onDisk {@code index.on_disk}: only false (the index on the heap) is served
 * @param modifier {@code modifier}: {@link Modifier#IDF} weighs each query dimension by its inverse
 *     document frequency in the shard
 */
public record SparseVectorParams(Integer fullScanThreshold, Boolean onDisk, Modifier modifier) {
  /** Qdrant's default {@code full_scan_threshold} of a sparse index. */
  public static final int DEFAULT_FULL_SCAN_THRESHOLD = 5000;

  public static final SparseVectorParams DEFAULT = new SparseVectorParams(null, null, null);

  public SparseVectorParams {
    if (fullScanThreshold != null && fullScanThreshold < 0) {
      throw new IllegalArgumentException("full_scan_threshold must be >= 0");
    }
  }

  /** What the query weights are multiplied by. */
  public enum Modifier {
    NONE,
    IDF
  }

  /** The threshold in force. */
  public int fullScanThresholdOrDefault() {
    return fullScanThreshold == null ? DEFAULT_FULL_SCAN_THRESHOLD : fullScanThreshold;
  }

  /** Whether query weights are multiplied by the inverse document frequency. */
  public boolean idf() {
    return modifier == Modifier.IDF;
  }
}
