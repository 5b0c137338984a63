package dev.quiver.cluster.internal;

import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.List;

/**
 * Applies everything to local storage; every read consistency is met by the one local copy. It is
 * the sequencer of this node: meta operations take the next registry index, point updates the next
 * operation number of their shard, each under that target's own lock, so numbers are gap-free and
 * in apply order. Thread-safe.
 */
public final class SingleNodeDispatcher implements Dispatcher {
  private final CollectionRegistry registry;

  /** A single node still has a peer id in Qdrant's collection cluster info; random per start. */
  private final long peerId = 1 + (new java.security.SecureRandom().nextLong() & ((1L << 53) - 2));

  private final dev.quiver.storage.SnapshotStore snapshots;

  public SingleNodeDispatcher(CollectionRegistry registry, java.nio.file.Path snapshotsPath) {
    this.registry = registry;
    this.snapshots = new dev.quiver.storage.SnapshotStore(snapshotsPath, registry);
  }

  @Override
  public dev.quiver.storage.SnapshotStore snapshots() {
    return snapshots;
  }

  @Override
  public void recoverSnapshot(String collection, java.nio.file.Path archive) {
    applyMeta(new CollectionMetaOp.Restore(collection, archive));
  }

  @Override
  public void createCollection(String name, CollectionConfig config) {
    applyMeta(new CollectionMetaOp.Create(name, config));
  }

  @Override
  public boolean deleteCollection(String name) {
    if (registry.get(name).isEmpty()) {
      return false;
    }
    applyMeta(new CollectionMetaOp.Drop(name));
    return true;
  }

  private void applyMeta(CollectionMetaOp op) {
    synchronized (registry) {
      registry.apply(op, registry.lastAppliedIndex() + 1);
    }
  }

  @Override
  public List<String> listCollections() {
    return registry.list();
  }

  @Override
  public boolean collectionExists(String name) {
    return registry.get(name).isPresent();
  }

  @Override
  public CollectionInfo collectionInfo(String name) {
    return registry.require(name).info();
  }

  @Override
  public UpdateResult update(String collection, UpdateOp op, boolean wait) {
    ShardWriter writer = registry.require(collection).writer();
    long opNum;
    synchronized (writer) {
      opNum = writer.lastAppliedOp() + 1;
      writer.apply(opNum, op);
    }
    if (wait) {
      writer.flush();
      return new UpdateResult(opNum, UpdateResult.Status.COMPLETED);
    }
    return new UpdateResult(opNum, UpdateResult.Status.ACKNOWLEDGED);
  }

  @Override
  public List<PointRecord> retrieve(
      String collection,
      List<PointId> ids,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency) {
    return registry.require(collection).reader().retrieve(ids, withPayload, withVectors);
  }

  @Override
  public List<ScoredPoint> search(
      String collection, SearchRequest request, ReadConsistency consistency) {
    Collection c = registry.require(collection);
    return c.reader().search(request);
  }

  @Override
  public dev.quiver.storage.ScrollPage scroll(
      String collection,
      dev.quiver.storage.Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency) {
    return registry
        .require(collection)
        .reader()
        .scroll(filter, offset, limit, withPayload, withVectors);
  }

  @Override
  public long count(
      String collection, dev.quiver.storage.Filter filter, ReadConsistency consistency) {
    return registry.require(collection).reader().count(filter);
  }

  @Override
  public boolean payloadMatchExists(
      String collection, java.util.Map<String, dev.quiver.storage.Value> matches) {
    return registry.require(collection).reader().anyPayloadMatches(matches);
  }

  @Override
  public ClusterStatus clusterStatus() {
    return ClusterStatus.DISABLED;
  }

  @Override
  public CollectionClusterInfo collectionClusterInfo(String collection) {
    Collection c = registry.require(collection);
    var local = new java.util.ArrayList<CollectionClusterInfo.LocalShard>();
    for (int shard : c.shardIds()) {
      local.add(new CollectionClusterInfo.LocalShard(shard, c.reader(shard).count(), "Active"));
    }
    return new CollectionClusterInfo(peerId, local.size(), local, List.of());
  }

  @Override
  public void updateCollectionCluster(String collection, ShardOperation operation) {
    registry.require(collection);
    throw new dev.quiver.storage.StorageException.BadInput("Distributed mode disabled");
  }

  @Override
  public void removePeer(long peerId, boolean force) {
    throw new dev.quiver.storage.StorageException.BadInput("Distributed mode disabled");
  }

  @Override
  public void close() {
    registry.close();
  }
}
