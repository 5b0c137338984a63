package dev.quiver.cluster;

import dev.quiver.storage.AliasAction;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import java.util.List;
import java.util.SortedMap;
import java.util.function.UnaryOperator;

/**
 * The collections of the node or cluster: their configurations, aliases, payload indexes and shard
 * keys. On a single node changes are applied to the local registry in order; in a cluster they are
 * entries of the metadata log that every peer applies. Errors are {@link StorageException}s.
 * Implementations are thread-safe.
 */
public interface Catalog {

  /** Shards of a new collection that names none: 1 on a single node, one per peer in a cluster. */
  int defaultShardNumber();

  /** Creates a collection, or fails with AlreadyExists. */
  void createCollection(String name, CollectionConfig config);

  /**
   * Changes a collection's configuration: {@code change} maps the current configuration to the new
   * one (only optimizer, HNSW and replication settings may differ). NotFound when missing.
   */
  void updateCollection(String name, UnaryOperator<CollectionConfig> change);

  /** Drops a collection; returns false if it did not exist. */
  boolean deleteCollection(String name);

  List<String> listCollections();

  boolean collectionExists(String name);

  /** The collection's configuration and counts. NotFound when missing. */
  CollectionInfo collectionInfo(String name);

  /**
   * The configuration of collection {@code name} (or of the collection an alias names), without
   * counting its points: what a query needs to read its vectors' parameters.
   */
  CollectionConfig config(String name);

  /**
   * Records ({@code spec} given) or removes a payload index of a collection (through the metadata
   * log in a cluster). NotFound for a missing collection.
   */
  void setPayloadIndex(String collection, String field, PayloadIndexSpec spec);

  /** The payload indexes of a collection, by field. */
  SortedMap<String, PayloadIndexSpec> payloadIndexes(String collection);

  /** Applies alias changes, all or none (NotFound, AlreadyExists or BadInput otherwise). */
  void changeAliases(List<AliasAction> actions);

  /** Every alias and the collection it names, by alias. */
  SortedMap<String, String> aliases();

  /** The collection a name denotes: the collection of that name, else an alias' target. */
  String resolve(String nameOrAlias);

  /**
   * Creates the shards of a new key in a collection with custom sharding: {@code shards} of them
   * (default: the collection's {@code shard_number}), each with {@code replicationFactor} replicas
   * (default: the collection's) on the {@code placement} peers when given. An existing key is
   * BadInput.
   */
  void createShardKey(
      String collection,
      ShardKey key,
      Integer shards,
      Integer replicationFactor,
      List<Long> placement);

  /** Drops a key's shards with their points; a missing key is BadInput. */
  void deleteShardKey(String collection, ShardKey key);

  /** The keys of a collection with custom sharding; null for auto sharding. */
  List<ShardKey> shardKeys(String collection);
}
