package dev.quiver.cluster;

import dev.quiver.storage.SnapshotStore;
import java.nio.file.Path;

/**
 * Snapshots of this node: taking them, the files, and recovery from them. Errors are {@link
 * dev.quiver.storage.StorageException}s. Implementations are thread-safe.
 */
public interface Snapshots {

  /**
   * This node's snapshot files: collection snapshots hold the node's local replicas (a single node:
   * the whole collection), as in Qdrant.
   */
  SnapshotStore store();

  /** Takes a snapshot of the collection (in a cluster: of its replicas on this node). */
  default SnapshotStore.Description create(String collection) {
    return store().create(collection);
  }

  /** Takes a snapshot of one of the collection's shards held on this node. */
  default SnapshotStore.Description createShard(String collection, int shard) {
    return store().createShard(collection, shard);
  }

  /** Takes a snapshot of every collection on this node. */
  default SnapshotStore.Description createFull() {
    return store().createFull();
  }

  /** Archives one of the collection's shards held on this node into a temporary file. */
  default Path streamShard(String collection, int shard) {
    return store().streamShard(collection, shard);
  }

  /**
   * Replaces (or creates) the collection from a snapshot archive on this node. In a cluster the
   * snapshot holds a node's local replicas: the shards this node holds are recovered from it, each
   * by {@code priority} when it has replicas on other peers (a single node has none, so the
   * priority changes nothing there).
   */
  void recoverSnapshot(String collection, Path archive, RecoveryPriority priority);

  /**
   * Replaces a local shard's data with a shard snapshot archive; {@code priority} as for a
   * collection.
   */
  void recoverShardSnapshot(String collection, int shard, Path archive, RecoveryPriority priority);
}
