package dev.quiver.storage;

/**
 * HNSW settings given as changes to others (Qdrant's {@code HnswConfigDiff}): a vector's own {@code
 * hnsw_config} over its collection's, or an update over the current settings. Null fields keep the
 * value they are laid over; a vector's own settings are kept as given, so a later change of the
 * collection's reaches the fields the vector did not set, and they are shown as given. Immutable.
 */
public record HnswDiff(
    Integer m,
    Integer efConstruct,
    Integer fullScanThreshold,
    Integer maxIndexingThreads,
    Boolean onDisk,
    Integer payloadM) {

  /** Changes without {@code payload_m}. */
  public HnswDiff(
      Integer m,
      Integer efConstruct,
      Integer fullScanThreshold,
      Integer maxIndexingThreads,
      Boolean onDisk) {
    this(m, efConstruct, fullScanThreshold, maxIndexingThreads, onDisk, null);
  }

  /** Every field of {@code h} set ({@code payload_m} as {@code h} has it). */
  public static HnswDiff of(HnswConfig h) {
    return new HnswDiff(
        h.m(),
        h.efConstruct(),
        h.fullScanThreshold(),
        h.maxIndexingThreads(),
        h.onDisk(),
        h.payloadM());
  }

  /** These changes laid over {@code d}. */
  public HnswConfig over(HnswConfig d) {
    return new HnswConfig(
        m == null ? d.m() : m,
        efConstruct == null ? d.efConstruct() : efConstruct,
        fullScanThreshold == null ? d.fullScanThreshold() : fullScanThreshold,
        maxIndexingThreads == null ? d.maxIndexingThreads() : maxIndexingThreads,
        onDisk == null ? d.onDisk() : onDisk,
        payloadM == null ? d.payloadM() : payloadM);
  }
}
