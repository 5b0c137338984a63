package dev.quiver.cluster.internal;

import dev.quiver.cluster.ClusterMetadata;
import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/**
 * Applies everything to local storage; every read consistency is met by the one local copy. It is
 * the sequencer of this node: meta operations take the next registry index, point updates the next
 * operation number of their shard, each under that target's own lock, so numbers are gap-free and
 * in apply order. Thread-safe.
 */
public final class SingleNodeDispatcher implements Dispatcher {
  private final CollectionRegistry registry;

  /** A single node still has a peer id in Qdrant's collection cluster info; random per start. */
  private final long peerId = 1 + (new SecureRandom().nextLong() & ((1L << 53) - 2));

  private final SnapshotStore snapshots;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final Fanout fanout = new Fanout(executor);

  private final ResourceQuota quota;

  public SingleNodeDispatcher(
      CollectionRegistry registry, Path snapshotsPath, ResourceQuota quota) {
    this.registry = registry;
    this.quota = quota;
    this.snapshots = new SnapshotStore(snapshotsPath, registry);
  }

  @Override
  public SnapshotStore snapshots() {
    return snapshots;
  }

  @Override
  public void recoverSnapshot(String collection, Path archive) {
    quota.checkWrite();
    applyMeta(new CollectionMetaOp.Restore(collection, archive));
  }

  @Override
  public void recoverShardSnapshot(String collection, int shard, Path archive) {
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

  @Override
  public ResourceQuota.Status quotaStatus() {
    return quota.localStatus();
  }

  @Override
  public ResourceQuota quota() {
    return quota;
  }

  @Override
  public void setQuotas(QuotaConfig config) {
    applyMeta(new CollectionMetaOp.SetQuotas(config));
  }

  @Override
  public void createCollection(String name, CollectionConfig config) {
    quota.checkWrite();
    // custom sharding starts without shards: each shard key brings its own
    applyMeta(
        new CollectionMetaOp.Create(name, config, config.customSharding() ? Set.of() : Set.of(0)));
  }

  @Override
  public void updateCollection(String name, UnaryOperator<CollectionConfig> change) {
    synchronized (registry) {
      CollectionConfig next = change.apply(registry.require(name).config());
      applyMeta(new CollectionMetaOp.UpdateConfig(name, next));
    }
  }

  @Override
  public void setPayloadIndex(String collection, String field, PayloadIndexSpec spec) {
    if (spec != null) {
      quota.checkWrite();
    }
    registry.require(collection);
    applyMeta(new CollectionMetaOp.SetPayloadIndex(collection, field, spec));
  }

  @Override
  public SortedMap<String, PayloadIndexSpec> payloadIndexes(String collection) {
    return registry.require(collection).payloadIndexes();
  }

  @Override
  public long localPayloadBytes(String collection) {
    return registry.require(collection).payloadBytes();
  }

  @Override
  public void changeAliases(List<AliasAction> actions) {
    applyMeta(new CollectionMetaOp.ChangeAliases(actions));
  }

  @Override
  public SortedMap<String, String> aliases() {
    return registry.aliases();
  }

  @Override
  public String resolve(String nameOrAlias) {
    return registry.resolve(nameOrAlias);
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
  public CollectionConfig config(String name) {
    return registry.require(name).config();
  }

  /** The collection's shards: shard 0, or with custom sharding the shards of its keys. */
  private static ShardLayout layout(Collection c) {
    var shards = new TreeMap<Integer, ShardKey>();
    for (int id : c.shardIds()) {
      shards.put(id, c.shardKeys().get(id));
    }
    return new ShardLayout(c.config().customSharding(), shards);
  }

  private List<List<ShardReader>> readers(Collection c, ShardSelector selector) {
    ShardLayout layout = layout(c);
    return Fanout.readers(layout, layout.groups(selector, false), c::reader);
  }

  @Override
  public UpdateResult update(String collection, UpdateOp op, boolean wait, ShardSelector selector) {
    quota.checkUpdate(op);
    Collection c = registry.require(collection);
    Map<Integer, UpdateOp> parts = layout(c).route(op, selector);
    long opNum = 0;
    for (var part : parts.entrySet()) {
      ShardWriter writer = c.writer(part.getKey());
      synchronized (writer) {
        opNum = writer.lastAppliedOp() + 1;
        writer.apply(opNum, part.getValue());
      }
    }
    if (wait) {
      for (int shard : parts.keySet()) {
        c.writer(shard).flush();
      }
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
      ReadConsistency consistency,
      ShardSelector selector) {
    Collection c = registry.require(collection);
    return fanout.retrieve(readers(c, selector), ids, withPayload, withVectors);
  }

  @Override
  public List<ScoredPoint> search(
      String collection,
      SearchRequest request,
      ReadConsistency consistency,
      ShardSelector selector) {
    Collection c = registry.require(collection);
    return fanout.search(
        readers(c, selector), request, c.config().distanceOf(request.vectorName()));
  }

  @Override
  public ScrollPage scroll(
      String collection,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector selector) {
    Collection c = registry.require(collection);
    return fanout.scroll(readers(c, selector), filter, offset, limit, withPayload, withVectors);
  }

  @Override
  public long count(
      String collection, Filter filter, ReadConsistency consistency, ShardSelector selector) {
    return fanout.count(readers(registry.require(collection), selector), filter);
  }

  @Override
  public void createShardKey(
      String collection,
      ShardKey key,
      Integer shards,
      Integer replicationFactor,
      List<Long> placement) {
    quota.checkWrite();
    synchronized (registry) {
      Collection c = registry.require(collection);
      layout(c).checkNewKey(collection, key);
      int n = shards == null ? c.config().shardNumber() : shards;
      int first = c.shardIds().isEmpty() ? 0 : c.shardIds().last() + 1;
      var ids = new TreeSet<Integer>();
      for (int i = 0; i < n; i++) {
        ids.add(first + i);
      }
      applyMeta(new CollectionMetaOp.CreateShardKey(collection, key, ids));
    }
  }

  @Override
  public void deleteShardKey(String collection, ShardKey key) {
    synchronized (registry) {
      Collection c = registry.require(collection);
      layout(c).checkExistingKey(key);
      applyMeta(new CollectionMetaOp.DropShardKey(collection, key));
    }
  }

  @Override
  public List<ShardKey> shardKeys(String collection) {
    return layout(registry.require(collection)).keysOrNull();
  }

  @Override
  public boolean payloadMatchExists(String collection, Filter filter) {
    Collection c = registry.require(collection);
    return fanout.anyPayloadMatches(readers(c, ShardSelector.ALL), filter);
  }

  @Override
  public ClusterStatus clusterStatus() {
    return ClusterStatus.DISABLED;
  }

  @Override
  public ClusterMetadata clusterMetadata() {
    return ClusterMetadata.STANDALONE;
  }

  @Override
  public CollectionClusterInfo collectionClusterInfo(String collection) {
    Collection c = registry.require(collection);
    var local = new ArrayList<CollectionClusterInfo.LocalShard>();
    for (int shard : c.shardIds()) {
      local.add(
          new CollectionClusterInfo.LocalShard(
              shard, c.shardKeys().get(shard), c.reader(shard).count(), "Active"));
    }
    return new CollectionClusterInfo(peerId, local.size(), local, List.of());
  }

  @Override
  public void updateCollectionCluster(String collection, ShardOperation operation) {
    registry.require(collection);
    switch (operation) {
      case ShardOperation.CreateShardKey k ->
          createShardKey(collection, k.key(), k.shards(), k.replicationFactor(), k.placement());
      case ShardOperation.DropShardKey k -> deleteShardKey(collection, k.key());
      default -> throw new StorageException.BadInput("Distributed mode disabled");
    }
  }

  @Override
  public void removePeer(long peerId, boolean force) {
    throw new StorageException.BadInput("Distributed mode disabled");
  }

  @Override
  public void close() {
    executor.shutdownNow();
    registry.close();
  }
}
