package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.RecoveryPriority;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.Snapshots;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Snapshots of a cluster node: a collection snapshot holds this node's local replicas, as in
 * Qdrant, and recovering one recovers the shards this node holds, a shard snapshot the one shard
 * ({@link SnapshotRecovery}).
 *
 * <p>No snapshot is taken of a collection being resharded: while its points move, a point may be
 * held by its old shard and by its new one, so the snapshot would hold it twice (and recovering it
 * would bring both back). The check is made before and after the files are archived, against the
 * count of resharding steps applied here, so a resharding that starts (or moves on) while a
 * snapshot is taken discards the snapshot too. Thread-safe.
 */
final class ClusterSnapshots implements Snapshots {
  /** The reshardings as this node has applied them. */
  interface Reshardings {
    /** The collections being resharded. */
    Set<String> running();

    /**
     * How many resharding steps of {@code collection} (null: of any collection) were applied here;
     * only ever grows.
     */
    long changes(String collection);
  }

  private final SnapshotStore store;
  private final SnapshotRecovery recovery;
  private final ResourceQuota quota;
  private final Reshardings reshardings;

  ClusterSnapshots(
      SnapshotStore store,
      SnapshotRecovery recovery,
      ResourceQuota quota,
      Reshardings reshardings) {
    this.store = store;
    this.recovery = recovery;
    this.quota = quota;
    this.reshardings = reshardings;
  }

  @Override
  public SnapshotStore.Description create(String collection) {
    return unresharded(
        collection, () -> store.create(collection), d -> store.delete(collection, d.name()));
  }

  @Override
  public SnapshotStore.Description createShard(String collection, int shard) {
    return unresharded(
        collection,
        () -> store.createShard(collection, shard),
        d -> store.deleteShard(collection, shard, d.name()));
  }

  @Override
  public SnapshotStore.Description createFull() {
    return unresharded(null, store::createFull, d -> store.deleteFull(d.name()));
  }

  @Override
  public Path streamShard(String collection, int shard) {
    return unresharded(
        collection, () -> store.streamShard(collection, shard), SnapshotStore::deleteQuietly);
  }

  /**
   * Takes a snapshot of {@code collection} (null: of every collection) unless it is being
   * resharded, or a resharding step of it is applied here while the snapshot is taken (which is
   * then discarded).
   */
  private <T> T unresharded(String collection, Supplier<T> take, Consumer<T> discard) {
    long before = reshardings.changes(collection);
    for (String running : reshardings.running()) {
      if (collection == null || collection.equals(running)) {
        throw resharding(running);
      }
    }
    T taken = take.get();
    if (reshardings.changes(collection) != before) {
      discard.accept(taken);
      throw collection == null
          ? new StorageException.BadRequest(
              "A collection was resharded while the full snapshot was taken, so it was discarded:"
                  + " take it once the resharding has ended (or been aborted)")
          : resharding(collection);
    }
    return taken;
  }

  private static StorageException resharding(String collection) {
    return new StorageException.BadRequest(
        "Collection "
            + collection
            + " is being resharded: a snapshot taken while points move between shards would hold"
            + " some of them twice; take it once the resharding has ended (or been aborted)");
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
