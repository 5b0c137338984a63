package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.Catalog;
import dev.quiver.cluster.PointAccess;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.CollectionNames;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SortedMap;
import java.util.function.UnaryOperator;

/**
 * The catalog of a cluster: the metadata group's state machine is the truth, read from what this
 * peer has applied (caught up first when a name is not known here yet); every change is a proposed
 * metadata entry, applied by every peer. New shards are spread over the peers. Thread-safe.
 */
final class RaftCatalog implements Catalog {
  private final MetaStateMachine meta;
  private final MetaLog metaLog;
  private final CollectionRegistry registry;
  private final ResourceQuota quota;
  private final PointAccess points;

  RaftCatalog(
      MetaStateMachine meta,
      MetaLog metaLog,
      CollectionRegistry registry,
      ResourceQuota quota,
      PointAccess points) {
    this.meta = meta;
    this.metaLog = metaLog;
    this.registry = registry;
    this.quota = quota;
    this.points = points;
  }

  @Override
  public int defaultShardNumber() {
    return Math.max(1, meta.peers().size());
  }

  @Override
  public void createCollection(String name, CollectionConfig config) {
    quota.checkWrite();
    String problem = CollectionNames.problem(name);
    if (problem != null) {
      throw new StorageException.BadInput(problem);
    }
    if (meta.collection(name).isPresent()) {
      throw new StorageException.AlreadyExists("Collection `" + name + "` already exists!");
    }
    List<Long> peers = new ArrayList<>(meta.peers().keySet());
    if (peers.isEmpty()) {
      throw new StorageException.Unavailable("no peers known yet", null);
    }
    int rf = Math.min(config.replicationFactor(), peers.size());
    if (config.routing() == PointRouting.JUMP && meta.format().writing() < Wire.RESHARDING_FORMAT) {
      // a peer of the previous release cannot read that routing: the collection keeps the old one
      config = config.withRouting(PointRouting.MODULO);
    }
    // custom sharding starts without shards: each shard key brings its own
    int shards = config.customSharding() ? 0 : config.shardNumber();
    metaLog.propose(new Wire.CreateCollection(name, config, spread(name, 0, shards, rf, peers)));
  }

  /**
   * Replicas for {@code shards} new shards numbered from {@code first}: each on {@code rf}
   * consecutive peers, starting at a peer that rotates with the collection name and the shard id,
   * so that several collections and keys spread over the cluster (and so do their leaders: the
   * first holder has the Raft priority).
   */
  private static List<List<Long>> spread(
      String name, int first, int shards, int rf, List<Long> peers) {
    int start = Math.floorMod(name.hashCode(), peers.size());
    List<List<Long>> replicas = new ArrayList<>();
    for (int s = first; s < first + shards; s++) {
      List<Long> holders = new ArrayList<>();
      for (int r = 0; r < rf; r++) {
        holders.add(peers.get((start + s + r) % peers.size()));
      }
      replicas.add(List.copyOf(holders));
    }
    return List.copyOf(replicas);
  }

  @Override
  public void updateCollection(String name, UnaryOperator<CollectionConfig> change) {
    CollectionConfig current = metaLog.placement(name).config();
    CollectionConfig next = change.apply(current);
    current.checkUpdate(next);
    metaLog.propose(new Wire.UpdateCollection(name, next));
  }

  @Override
  public boolean deleteCollection(String name) {
    if (meta.collection(name).isEmpty()) {
      return false;
    }
    metaLog.propose(new Wire.DropCollection(name));
    return true;
  }

  @Override
  public List<String> listCollections() {
    return meta.collectionNames();
  }

  @Override
  public boolean collectionExists(String name) {
    return meta.collection(name).isPresent();
  }

  @Override
  public CollectionInfo collectionInfo(String name) {
    MetaStateMachine.Placement p = metaLog.placement(name);
    var local = registry.get(name).map(Collection::info);
    return new CollectionInfo(
        name,
        points.count(name, null),
        local.map(CollectionInfo::indexedVectorsCount).orElse(0L),
        p.layout().shards().size(),
        p.config(),
        local.map(CollectionInfo::optimizing).orElse(false));
  }

  @Override
  public CollectionConfig config(String name) {
    return metaLog.placement(name).config();
  }

  @Override
  public void setPayloadIndex(String collection, String field, PayloadIndexSpec spec) {
    if (spec != null) {
      quota.checkWrite();
    }
    metaLog.placement(collection);
    metaLog.propose(new Wire.SetPayloadIndex(collection, field, spec));
  }

  @Override
  public SortedMap<String, PayloadIndexSpec> payloadIndexes(String collection) {
    metaLog.placement(collection);
    return registry
        .get(collection)
        .map(Collection::payloadIndexes)
        .orElse(Collections.emptySortedMap());
  }

  @Override
  public void changeAliases(List<AliasAction> actions) {
    metaLog.propose(new Wire.ChangeAliases(actions));
  }

  @Override
  public SortedMap<String, String> aliases() {
    return registry.aliases();
  }

  @Override
  public String resolve(String nameOrAlias) {
    if (meta.collection(nameOrAlias).isPresent()) {
      return nameOrAlias;
    }
    if (!registry.aliases().containsKey(nameOrAlias)) {
      metaLog.sync();
    }
    return meta.collection(nameOrAlias).isPresent() ? nameOrAlias : registry.resolve(nameOrAlias);
  }

  @Override
  public void createShardKey(
      String collection,
      ShardKey key,
      Integer shards,
      Integer replicationFactor,
      List<Long> placement) {
    quota.checkWrite();
    MetaStateMachine.Placement p = metaLog.placement(collection);
    p.layout().checkNewKey(collection, key);
    List<Long> peers = new ArrayList<>(meta.peers().keySet());
    if (placement != null && !placement.isEmpty()) {
      for (long peer : placement) {
        if (!peers.contains(peer)) {
          throw new StorageException.NotFound("Peer " + peer + " does not exist");
        }
      }
      peers = List.copyOf(new LinkedHashSet<>(placement));
    }
    int n = shards == null ? p.config().shardNumber() : shards;
    int rf =
        Math.min(
            replicationFactor == null ? p.config().replicationFactor() : replicationFactor,
            peers.size());
    if (n < 1 || rf < 1) {
      throw new StorageException.BadInput("shards_number and replication_factor must be >= 1");
    }
    metaLog.propose(
        new Wire.CreateShardKey(collection, key, spread(collection, p.shardCount(), n, rf, peers)));
  }

  @Override
  public void deleteShardKey(String collection, ShardKey key) {
    metaLog.placement(collection).layout().checkExistingKey(key);
    metaLog.propose(new Wire.DropShardKey(collection, key));
  }

  @Override
  public List<ShardKey> shardKeys(String collection) {
    return metaLog.placement(collection).layout().keysOrNull();
  }
}
