package dev.quiver.storage;

/**
 * HNSW index parameters of a collection, with Qdrant's names and defaults. {@code payloadM} is
 * Qdrant's {@code payload_m}: the links each node gets within its tenant (a value of a payload
 * index marked {@code is_tenant}); null when not set, which means {@code m}.
 */
public record HnswConfig(
    int m,
    int efConstruct,
    int fullScanThreshold,
    int maxIndexingThreads,
    boolean onDisk,
    Integer payloadM) {
  public static final HnswConfig DEFAULT = new HnswConfig(16, 100, 10_000, 0, false);

  /**
   * The largest {@code m} the edges accept: a node's bottom-layer list holds {@code 2m} neighbours,
   * and lists are persisted with a 16-bit length. A configuration stored with a larger one still
   * opens; its graph is built with this. The same bound holds for {@code payload_m}.
   */
  public static final int MAX_M = 32_767;

  public HnswConfig {
    if (m < 0
        || efConstruct < 4
        || fullScanThreshold < 0
        || maxIndexingThreads < 0
        || (payloadM != null && payloadM < 0)) {
      throw new IllegalArgumentException(
          "invalid hnsw config: m="
              + m
              + " ef_construct="
              + efConstruct
              + " full_scan_threshold="
              + fullScanThreshold
              + " payload_m="
              + payloadM);
    }
  }

  /** Settings without {@code payload_m}. */
  public HnswConfig(
      int m, int efConstruct, int fullScanThreshold, int maxIndexingThreads, boolean onDisk) {
    this(m, efConstruct, fullScanThreshold, maxIndexingThreads, onDisk, null);
  }

  /**
   * The links a node gets within its tenant, as Qdrant counts them: {@code payload_m} when set,
   * else {@code m}; 0 builds no tenant links.
   */
  public int tenantM() {
    return payloadM != null ? payloadM : m;
  }
}
