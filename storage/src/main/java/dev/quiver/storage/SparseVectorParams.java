package dev.quiver.storage;

/**
 * Parameters of one named sparse vector of a collection, with Qdrant's names. A null field was not
 * given by the user and is shown as absent, as Qdrant shows only what was set. Immutable.
 *
 * @param fullScanThreshold below this many candidate points a filtered search scores them one by
 *     one instead of walking the inverted index ({@code index.full_scan_threshold})
 * @param onDisk {@code index.on_disk}: the index in memory-mapped files rather than on the heap
 * @param modifier {@code modifier}: {@link Modifier#IDF} weighs each query dimension by its inverse
 *     document frequency in the shard
 * @param memory {@code index.memory}, which overrides {@code on_disk} when both are set: {@code
 *     pinned} on the heap, {@code cold} in memory-mapped files, {@code cached} in memory-mapped
 *     files the OS is asked to load whenever they are written or opened
 * @param datatype {@code index.datatype}: how the index stores weights (null: float32); float16 and
 *     uint8 hold the sealed lists in 2 or 1 bytes a weight, and scores are computed from them
 */
public record SparseVectorParams(
    Integer fullScanThreshold,
    Boolean onDisk,
    Modifier modifier,
    Memory memory,
    VectorDatatype datatype) {
  /** Qdrant's default {@code full_scan_threshold} of a sparse index. */
  public static final int DEFAULT_FULL_SCAN_THRESHOLD = 5000;

  public static final SparseVectorParams DEFAULT =
      new SparseVectorParams(null, null, null, null, null);

  /** Without a {@code memory} placement. */
  public SparseVectorParams(Integer fullScanThreshold, Boolean onDisk, Modifier modifier) {
    this(fullScanThreshold, onDisk, modifier, null, null);
  }

  /** With float32 weights. */
  public SparseVectorParams(
      Integer fullScanThreshold, Boolean onDisk, Modifier modifier, Memory memory) {
    this(fullScanThreshold, onDisk, modifier, memory, null);
  }

  /** The datatype of the index's weights in force. */
  public VectorDatatype datatypeOrDefault() {
    return datatype == null ? VectorDatatype.FLOAT32 : datatype;
  }

  public SparseVectorParams {
    if (fullScanThreshold != null && fullScanThreshold < 0) {
      throw new IllegalArgumentException("full_scan_threshold must be >= 0");
    }
  }

  /** Qdrant's memory placements, by their wire names in lower case. */
  public enum Memory {
    COLD,
    CACHED,
    PINNED
  }

  /** Whether the index lives in files: {@code memory} when set, else {@code on_disk}. */
  public boolean indexOnDisk() {
    return memory != null ? memory != Memory.PINNED : Boolean.TRUE.equals(onDisk);
  }

  /** Whether the index's files are to be loaded into memory as they are written or opened. */
  public boolean preload() {
    return memory == Memory.CACHED;
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
