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
   * Replaces (or creates) the collection from a snapshot archive on this node. A cluster answers
   * BadInput: recovery there is not supported yet.
   */
  void recoverSnapshot(String collection, Path archive);

  /**
   * Replaces a local shard's data with a shard snapshot archive. A cluster answers BadInput: its
   * replicas are filled through Raft.
   */
  void recoverShardSnapshot(String collection, int shard, Path archive);
}
