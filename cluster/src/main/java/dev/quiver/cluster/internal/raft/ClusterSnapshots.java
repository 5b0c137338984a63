package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.RecoveryPriority;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.Snapshots;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import java.nio.file.Path;

/**
 * Snapshots of a cluster node: a collection snapshot holds this node's local replicas, as in
 * Qdrant, and recovering one recovers the shards this node holds ({@link SnapshotRecovery}).
 * Recovering a single shard's snapshot is refused: replicas are filled through Raft. Thread-safe.
 */
final class ClusterSnapshots implements Snapshots {
  private final SnapshotStore store;
  private final MetaLog metaLog;
  private final SnapshotRecovery recovery;
  private final ResourceQuota quota;

  ClusterSnapshots(
      SnapshotStore store, MetaLog metaLog, SnapshotRecovery recovery, ResourceQuota quota) {
    this.store = store;
    this.metaLog = metaLog;
    this.recovery = recovery;
    this.quota = quota;
  }

  @Override
  public SnapshotStore store() {
    return store;
  }

  @Override
  public void recoverSnapshot(String collection, Path archive, RecoveryPriority priority) {
    quota.checkWrite();
    recovery.recover(collection, archive, priority);
  }

  @Override
  public void recoverShardSnapshot(
      String collection, int shard, Path archive, RecoveryPriority priority) {
    metaLog.placement(collection);
    throw new StorageException.BadInput(
        "Recovering a shard from a snapshot is not supported in cluster mode: replicas are filled"
            + " through Raft (replicate_shard), and a collection snapshot recovers every shard"
            + " this node holds");
  }
}
