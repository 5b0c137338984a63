package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.Snapshots;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import java.nio.file.Path;

/**
 * Snapshots of a cluster node: a collection snapshot holds this node's local replicas, as in
 * Qdrant. Recovery is refused: replicas are filled through Raft. Thread-safe.
 */
final class ClusterSnapshots implements Snapshots {
  private final SnapshotStore store;
  private final MetaLog metaLog;

  ClusterSnapshots(SnapshotStore store, MetaLog metaLog) {
    this.store = store;
    this.metaLog = metaLog;
  }

  @Override
  public SnapshotStore store() {
    return store;
  }

  @Override
  public void recoverSnapshot(String collection, Path archive) {
    metaLog.placement(collection);
    throw new StorageException.BadInput(
        "Recovering a collection from a snapshot is not supported in cluster mode yet");
  }

  @Override
  public void recoverShardSnapshot(String collection, int shard, Path archive) {
    metaLog.placement(collection);
    throw new StorageException.BadInput(
        "Recovering a shard from a snapshot is not supported in cluster mode: replicas are filled"
            + " through Raft (replicate_shard)");
  }
}
