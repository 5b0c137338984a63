package dev.quiver.storage;

/**
 * Write-ahead log parameters of a collection, with Qdrant's names and defaults: a segment's
 * capacity, segments created ahead, and closed segments kept after a checkpoint has covered them.
 */
public record WalConfig(int walCapacityMb, int walSegmentsAhead, int walRetainClosed) {
  /** Qdrant's default of {@code wal_retain_closed}. */
  public static final int DEFAULT_RETAIN_CLOSED = 1;

  public static final WalConfig DEFAULT = new WalConfig(32, 0);

  public WalConfig {
    if (walCapacityMb < 1 || walSegmentsAhead < 0 || walRetainClosed < 0) {
      throw new IllegalArgumentException(
          "invalid wal config: capacity "
              + walCapacityMb
              + " MB, segments ahead "
              + walSegmentsAhead
              + ", closed segments retained "
              + walRetainClosed);
    }
  }

  /** With Qdrant's default of one closed segment retained. */
  public WalConfig(int walCapacityMb, int walSegmentsAhead) {
    this(walCapacityMb, walSegmentsAhead, DEFAULT_RETAIN_CLOSED);
  }
}
