package dev.quiver.storage;

/** Write-ahead log parameters of a collection, with Qdrant's names and defaults. */
public record WalConfig(int walCapacityMb, int walSegmentsAhead) {
  public static final WalConfig DEFAULT = new WalConfig(32, 0);

  public WalConfig {
    if (walCapacityMb < 1 || walSegmentsAhead < 0) {
      throw new IllegalArgumentException(
          "invalid wal config: capacity "
              + walCapacityMb
              + " MB, segments ahead "
              + walSegmentsAhead);
    }
  }
}
