package dev.quiver.cluster;

/**
 * The application layer both edges call, after authentication and authorization, as five
 * capabilities: the {@link Catalog} of collections, {@link PointAccess} for reads and writes of
 * points, {@link Snapshots}, {@link ClusterControl} and {@link Quotas}. A single node and a Raft
 * cluster provide the same capabilities; they differ in where metadata lives and how a shard is
 * reached. Errors are {@link dev.quiver.storage.StorageException}s. Implementations are
 * thread-safe; the node closes them.
 */
public interface Dispatcher extends AutoCloseable {

  Catalog catalog();

  PointAccess points();

  Snapshots snapshots();

  ClusterControl cluster();

  Quotas quotas();

  /**
   * Carries out {@code POST /collections/{c}/cluster}: {@code replicate_points} copies points
   * through {@link #points()} ({@link PointReplication}); every other operation changes where
   * replicas live through {@link #cluster()}.
   */
  default void updateCollectionCluster(String collection, ShardOperation operation) {
    if (operation instanceof ShardOperation.ReplicatePoints r) {
      PointReplication.copy(this, collection, r);
    } else {
      cluster().updateCollectionCluster(collection, operation);
    }
  }

  @Override
  void close();
}
