package dev.quiver.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A change to the set of collections. Applied with a log index by {@link
 * CollectionRegistry#apply(CollectionMetaOp, long)}, which makes replays harmless. Immutable.
 */
public sealed interface CollectionMetaOp {

  /** The collection that this operation concerns. */
  String collection();

  /**
   * Creates a collection; fails with {@link StorageException.AlreadyExists} if it exists. {@code
   * localShards} are the shard ids this node holds a replica of (in a cluster, from the placement
   * every node computes alike; a single node holds shard 0 only).
   */
  record Create(String collection, CollectionConfig config, Set<Integer> localShards)
      implements CollectionMetaOp {
    public Create {
      Objects.requireNonNull(collection, "collection");
      Objects.requireNonNull(config, "config");
      localShards = Set.copyOf(localShards);
    }

    /** The single-node form: one local shard, 0. */
    public Create(String collection, CollectionConfig config) {
      this(collection, config, Set.of(0));
    }
  }

  /** Drops a collection with all its data; dropping a missing one is not an error. */
  record Drop(String collection) implements CollectionMetaOp {
    public Drop {
      Objects.requireNonNull(collection, "collection");
    }
  }

  /**
   * Makes this node hold an (empty) replica of shard {@code shard}, which its Raft group then fills
   * (in a cluster); holding it already is not an error. With custom sharding the shard belongs to
   * {@code key}.
   */
  record AddShard(String collection, int shard, ShardKey key) implements CollectionMetaOp {
    public AddShard {
      Objects.requireNonNull(collection, "collection");
    }

    /** A shard without a key (auto sharding). */
    public AddShard(String collection, int shard) {
      this(collection, shard, null);
    }
  }

  /** Deletes this node's replica of shard {@code shard}; not holding it is not an error. */
  record DropShard(String collection, int shard) implements CollectionMetaOp {
    public DropShard {
      Objects.requireNonNull(collection, "collection");
    }
  }

  /** Records ({@code spec} given) or removes the payload index of {@code field}. */
  record SetPayloadIndex(String collection, String field, PayloadIndexSpec spec)
      implements CollectionMetaOp {
    public SetPayloadIndex {
      Objects.requireNonNull(collection, "collection");
      Objects.requireNonNull(field, "field");
    }
  }

  /**
   * Changes aliases, all or none: an alias must name an existing collection and must not be a
   * collection's name. {@link #collection()} is empty: no single collection is concerned.
   */
  record ChangeAliases(List<AliasAction> actions) implements CollectionMetaOp {
    public ChangeAliases {
      actions = List.copyOf(actions);
    }

    @Override
    public String collection() {
      return "";
    }
  }

  /**
   * Replaces the node's resource quota configuration ({@code PUT /quotas}), persisted as {@code
   * quota.json}. {@link #collection()} is empty: no collection is concerned.
   */
  record SetQuotas(QuotaConfig config) implements CollectionMetaOp {
    public SetQuotas {
      Objects.requireNonNull(config, "config");
    }

    @Override
    public String collection() {
      return "";
    }
  }

  /**
   * Replaces a collection's configuration by {@code config}, a changed copy of it (optimizers, HNSW
   * defaults, replication settings): the vectors and the sharding stay as they are.
   */
  record UpdateConfig(String collection, CollectionConfig config) implements CollectionMetaOp {
    public UpdateConfig {
      Objects.requireNonNull(collection, "collection");
      Objects.requireNonNull(config, "config");
    }
  }

  /**
   * Adds a key to a collection with custom sharding; this node holds (empty) replicas of its shards
   * {@code localShards}, possibly none.
   */
  record CreateShardKey(String collection, ShardKey key, Set<Integer> localShards)
      implements CollectionMetaOp {
    public CreateShardKey {
      Objects.requireNonNull(collection, "collection");
      Objects.requireNonNull(key, "key");
      localShards = Set.copyOf(localShards);
    }
  }

  /** Deletes this node's replicas of the key's shards, with their points. */
  record DropShardKey(String collection, ShardKey key) implements CollectionMetaOp {
    public DropShardKey {
      Objects.requireNonNull(collection, "collection");
      Objects.requireNonNull(key, "key");
    }
  }

  /**
   * Replaces the collection (creating it when absent) with the content of a snapshot archive made
   * by {@link Collection#snapshot}. The archive is checked before the old collection is touched.
   */
  record Restore(String collection, Path archive) implements CollectionMetaOp {
    public Restore {
      Objects.requireNonNull(collection, "collection");
      Objects.requireNonNull(archive, "archive");
    }
  }
}
