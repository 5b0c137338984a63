package dev.quiver.cluster.internal.local;

import dev.quiver.cluster.RecoveryPriority;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.Snapshots;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Snapshots of a single node: a collection snapshot holds the whole collection, and recovery
 * replaces it (a metadata change, sequenced by the catalog) or one of its shards. Thread-safe.
 */
final class LocalSnapshots implements Snapshots {
  private final CollectionRegistry registry;
  private final LocalCatalog catalog;
  private final ResourceQuota quota;
  private final SnapshotStore store;

  LocalSnapshots(
      CollectionRegistry registry, LocalCatalog catalog, ResourceQuota quota, Path path) {
    this.registry = registry;
    this.catalog = catalog;
    this.quota = quota;
    this.store = new SnapshotStore(path, registry);
  }

  @Override
  public SnapshotStore store() {
    return store;
  }

  @Override
  public void recoverSnapshot(String collection, Path archive, RecoveryPriority priority) {
    quota.checkWrite();
    catalog.apply(new CollectionMetaOp.Restore(collection, archive));
  }

  @Override
  public void recoverShardSnapshot(
      String collection, int shard, Path archive, RecoveryPriority priority) {
    quota.checkWrite();
    Collection c = registry.require(collection);
    if (!c.shardIds().contains(shard)) {
      throw new StorageException.NotFound(
          "Shard " + shard + " of collection `" + collection + "` is not on this node");
    }
    ShardWriter writer = c.writer(shard);
    synchronized (writer) { // no update of this shard is numbered while it is replaced
      try {
        c.restoreShard(shard, archive);
      } catch (IOException e) {
        throw new StorageException.BadInput("the shard snapshot cannot be read: " + e.getMessage());
      }
    }
  }
}
