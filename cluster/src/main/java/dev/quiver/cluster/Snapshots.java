package dev.quiver.cluster;

import dev.quiver.storage.SnapshotStore;
import java.nio.file.Path;

/**
 * Snapshots of this node: the files, and recovery from them. Errors are {@link
 * dev.quiver.storage.StorageException}s. Implementations are thread-safe.
 */
public interface Snapshots {

  /**
   * This node's snapshot files: collection snapshots hold the node's local replicas (a single node:
   * the whole collection), as in Qdrant.
   */
  SnapshotStore store();

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
