package dev.quiver.storage;

/**
 * How a point's id picks its shard among {@code n} (within a group of shards: with custom sharding,
 * those of one key), from the id's {@link PointId#stableHash()}. Fixed for a collection when it is
 * created and carried in its configuration (so its snapshots route the same wherever they are
 * restored).
 */
public enum PointRouting {
  /**
   * The hash modulo {@code n}: collections created before {@link #JUMP}. Changing {@code n} moves
   * most points.
   */
  MODULO,
  /**
   * Lamping and Veach's jump consistent hash: going from {@code n} to {@code n + 1} shards moves
   * exactly the points that land in the new last shard (one in {@code n + 1}), and removing the
   * last shard moves only its points.
   */
  JUMP;

  /** The shard of {@code id} among {@code shards} (at least 1). */
  public int shardOf(PointId id, int shards) {
    long hash = id.stableHash();
    return switch (this) {
      case MODULO -> (int) Math.floorMod(hash, (long) shards);
      case JUMP -> jump(hash, shards);
    };
  }

  /**
   * Which of {@code parts} parts {@code id} falls in, independently of its shard (a resharding
   * moves points one part at a time). The same in every release, like the routing.
   */
  public static int partOf(PointId id, int parts) {
    long z = id.stableHash() ^ 0x5DEECE66DL;
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    z ^= z >>> 33;
    return (int) Math.floorMod(z, (long) parts);
  }

  /** "A Fast, Minimal Memory, Consistent Hash Algorithm" (Lamping, Veach, 2014). */
  static int jump(long key, int buckets) {
    long b = -1;
    long j = 0;
    while (j < buckets) {
      b = j;
      key = key * 2862933555777941757L + 1;
      j = (long) ((b + 1) * ((double) (1L << 31) / (double) ((key >>> 33) + 1)));
    }
    return (int) b;
  }
}
