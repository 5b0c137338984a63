package dev.quiver.cluster.internal.local;

import dev.quiver.cluster.Catalog;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.ShardKey;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The catalog of a single node, and its metadata sequencer: every change is a {@link
 * CollectionMetaOp} applied to the local registry with the next registry index, under the
 * registry's lock, so indexes are gap-free and in apply order. Thread-safe.
 */
final class LocalCatalog implements Catalog {
  private final CollectionRegistry registry;
  private final ResourceQuota quota;

  LocalCatalog(CollectionRegistry registry, ResourceQuota quota) {
    this.registry = registry;
    this.quota = quota;
  }

  /** Applies a metadata change as the registry's next entry. */
  void apply(CollectionMetaOp op) {
    synchronized (registry) {
      registry.apply(op, registry.lastAppliedIndex() + 1);
    }
  }

  /** The collection's shards: shard 0, or with custom sharding the shards of its keys. */
  static ShardLayout layout(Collection c) {
    var shards = new TreeMap<Integer, ShardKey>();
    for (int id : c.shardIds()) {
      shards.put(id, c.shardKeys().get(id));
    }
    return new ShardLayout(c.config().customSharding(), shards, c.config().routing());
  }

  @Override
  public int defaultShardNumber() {
    return 1;
  }

  @Override
  public void createCollection(String name, CollectionConfig config) {
    quota.checkWrite();
    // custom sharding starts without shards: each shard key brings its own
    apply(
        new CollectionMetaOp.Create(name, config, config.customSharding() ? Set.of() : Set.of(0)));
  }

  @Override
  public void updateCollection(String name, UnaryOperator<CollectionConfig> change) {
    synchronized (registry) {
      CollectionConfig next = change.apply(registry.require(name).config());
      apply(new CollectionMetaOp.UpdateConfig(name, next));
    }
  }

  @Override
  public boolean deleteCollection(String name) {
    if (registry.get(name).isEmpty()) {
      return false;
    }
    apply(new CollectionMetaOp.Drop(name));
    return true;
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

  @Override
  public void setPayloadIndex(String collection, String field, PayloadIndexSpec spec) {
    if (spec != null) {
      quota.checkWrite();
    }
    registry.require(collection);
    apply(new CollectionMetaOp.SetPayloadIndex(collection, field, spec));
  }

  @Override
  public SortedMap<String, PayloadIndexSpec> payloadIndexes(String collection) {
    return registry.require(collection).payloadIndexes();
  }

  @Override
  public void changeAliases(List<AliasAction> actions) {
    apply(new CollectionMetaOp.ChangeAliases(actions));
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
      apply(new CollectionMetaOp.CreateShardKey(collection, key, ids));
    }
  }

  @Override
  public void deleteShardKey(String collection, ShardKey key) {
    synchronized (registry) {
      Collection c = registry.require(collection);
      layout(c).checkExistingKey(key);
      apply(new CollectionMetaOp.DropShardKey(collection, key));
    }
  }

  @Override
  public List<ShardKey> shardKeys(String collection) {
    return layout(registry.require(collection)).keysOrNull();
  }
}
