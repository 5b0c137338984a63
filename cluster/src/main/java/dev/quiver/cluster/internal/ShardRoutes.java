package dev.quiver.cluster.internal;

import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import java.util.List;

/**
 * How this node reaches a collection's shards: the seam between a single node (every shard is a
 * local one, writes numbered here) and a cluster (a shard is a Raft group, read locally or through
 * a peer). {@link RoutedPoints} is the one point facade over it. Implementations are thread-safe.
 */
public interface ShardRoutes {

  /** The collection's configuration; NotFound when missing. */
  CollectionConfig config(String collection);

  /**
   * Readers of the selected shards in the groups of {@link ShardLayout#groups}, each able to meet
   * {@code consistency}; shards with a key label their results with it.
   */
  List<List<ShardReader>> readers(
      String collection, ReadConsistency consistency, ShardSelector selector);

  /**
   * Splits {@code op} by shard and applies (single node) or replicates (cluster) each part, after
   * the quota allowed it; with {@code wait} returns once every part is applied.
   */
  UpdateResult write(String collection, UpdateOp op, boolean wait, ShardSelector selector);

  /** Bytes of payload this node's replicas of the collection hold; NotFound when missing. */
  long localPayloadBytes(String collection);
}
