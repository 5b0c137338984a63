package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.RecoveryPriority;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.Snapshots;
import dev.quiver.storage.SnapshotStore;
import java.nio.file.Path;

/**
 * Snapshots of a cluster node: a collection snapshot holds this node's local replicas, as in
 * Qdrant, and recovering one recovers the shards this node holds, a shard snapshot the one shard
 * ({@link SnapshotRecovery}). Thread-safe.
 */
final class ClusterSnapshots implements Snapshots {
  private final SnapshotStore store;
  private final SnapshotRecovery recovery;
  private final ResourceQuota quota;

  ClusterSnapshots(SnapshotStore store, SnapshotRecovery recovery, ResourceQuota quota) {
    this.store = store;
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
    quota.checkWrite();
    recovery.recoverShard(collection, shard, archive, priority);
  }
}
