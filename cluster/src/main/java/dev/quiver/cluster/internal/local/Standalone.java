package dev.quiver.cluster.internal.local;

import dev.quiver.cluster.ClusterControl;
import dev.quiver.cluster.ClusterMetadata;
import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.StorageException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The cluster as a single node reports it, Qdrant's "distributed mode disabled": one peer holding
 * every shard; shard keys can still be created and dropped, nothing else moves. Thread-safe.
 */
final class Standalone implements ClusterControl {
  /** A single node still has a peer id in Qdrant's collection cluster info; random per start. */
  private final long peerId = 1 + (new SecureRandom().nextLong() & ((1L << 53) - 2));

  private final CollectionRegistry registry;
  private final LocalCatalog catalog;

  Standalone(CollectionRegistry registry, LocalCatalog catalog) {
    this.registry = registry;
    this.catalog = catalog;
  }

  @Override
  public ClusterStatus clusterStatus() {
    return ClusterStatus.DISABLED;
  }

  @Override
  public CollectionClusterInfo collectionClusterInfo(String collection) {
    Collection c = registry.require(collection);
    var local = new ArrayList<CollectionClusterInfo.LocalShard>();
    for (int shard : c.shardIds()) {
      local.add(
          new CollectionClusterInfo.LocalShard(
              shard, c.shardKeys().get(shard), c.reader(shard).count(), "Active"));
    }
    return new CollectionClusterInfo(peerId, local.size(), local, List.of(), List.of());
  }

  @Override
  public void updateCollectionCluster(String collection, ShardOperation operation) {
    registry.require(collection);
    switch (operation) {
      case ShardOperation.CreateShardKey k ->
          catalog.createShardKey(
              collection, k.key(), k.shards(), k.replicationFactor(), k.placement());
      case ShardOperation.DropShardKey k -> catalog.deleteShardKey(collection, k.key());
      default -> throw new StorageException.BadInput("Distributed mode disabled");
    }
  }

  @Override
  public void removePeer(long peerId, boolean force) {
    throw new StorageException.BadInput("Distributed mode disabled");
  }

  @Override
  public Map<Long, byte[]> peerAuditEntries(byte[] query) {
    return Map.of();
  }

  @Override
  public ClusterMetadata clusterMetadata() {
    return ClusterMetadata.STANDALONE;
  }
}
