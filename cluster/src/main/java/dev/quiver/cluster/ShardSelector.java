package dev.quiver.cluster;

import dev.quiver.storage.ShardKey;
import java.util.List;

/**
 * Which shards of a custom-sharded collection a request addresses: the shards of {@code keys}, or
 * every shard when empty. With a {@code fallback}, a single target key that does not exist is
 * replaced by it (Qdrant's {@code {"target": ..., "fallback": ...}}).
 */
public record ShardSelector(List<ShardKey> keys, ShardKey fallback) {

  /** Every shard (the only selector for collections with auto sharding). */
  public static final ShardSelector ALL = new ShardSelector(List.of(), null);

  public ShardSelector {
    keys = List.copyOf(keys);
    if (fallback != null && keys.size() != 1) {
      throw new IllegalArgumentException("a fallback needs exactly one target key");
    }
  }

  public static ShardSelector of(ShardKey... keys) {
    return new ShardSelector(List.of(keys), null);
  }

  public boolean all() {
    return keys.isEmpty();
  }
}
