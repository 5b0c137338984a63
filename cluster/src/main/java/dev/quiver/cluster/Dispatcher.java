package dev.quiver.cluster;

import dev.quiver.storage.AliasAction;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.UnaryOperator;

/**
 * The application layer both edges call: every collection, point and search operation, in domain
 * types, after authentication and authorization. A single-node implementation applies to local
 * storage; the cluster one (Raft) routes to shards and replicas. Errors are {@link
 * dev.quiver.storage.StorageException}s. Implementations are thread-safe; the node closes them.
 */
public interface Dispatcher extends AutoCloseable {

  /** Shards of a new collection that names none: 1 on a single node, one per peer in a cluster. */
  default int defaultShardNumber() {
    return 1;
  }

  /** Creates a collection, or fails with AlreadyExists. */
  void createCollection(String name, CollectionConfig config);

  /**
   * Changes a collection's configuration: {@code change} maps the current configuration to the new
   * one (only optimizer, HNSW and replication settings may differ). NotFound when missing.
   */
  void updateCollection(String name, UnaryOperator<CollectionConfig> change);

  /**
   * Records ({@code spec} given) or removes a payload index of a collection (through the metadata
   * log in a cluster). NotFound for a missing collection.
   */
  void setPayloadIndex(String collection, String field, PayloadIndexSpec spec);

  /** The payload indexes of a collection, by field. */
  default SortedMap<String, PayloadIndexSpec> payloadIndexes(String collection) {
    return Collections.emptySortedMap();
  }

  /**
   * The payloads this node's replicas of the collection hold, in bytes of their stored form (strict
   * mode's payload size limit, estimated from the local shards as Qdrant does). NotFound for a
   * missing collection.
   */
  long localPayloadBytes(String collection);

  /** Applies alias changes, all or none (NotFound, AlreadyExists or BadInput otherwise). */
  void changeAliases(List<AliasAction> actions);

  /** Every alias and the collection it names, by alias. */
  SortedMap<String, String> aliases();

  /** The collection a name denotes: the collection of that name, else an alias' target. */
  String resolve(String nameOrAlias);

  /** Drops a collection; returns false if it did not exist. */
  boolean deleteCollection(String name);

  List<String> listCollections();

  boolean collectionExists(String name);

  CollectionInfo collectionInfo(String name);

  /**
   * The configuration of collection {@code name} (or of the collection an alias names), without
   * counting its points: what a query needs to read its vectors' parameters.
   */
  CollectionConfig config(String name);

  /**
   * Applies a point update. With {@code wait} the update is applied and durable when this returns;
   * without it, it is accepted (status {@code acknowledged}).
   */
  UpdateResult update(String collection, UpdateOp op, boolean wait, ShardSelector shards);

  default UpdateResult update(String collection, UpdateOp op, boolean wait) {
    return update(collection, op, wait, ShardSelector.ALL);
  }

  List<PointRecord> retrieve(
      String collection,
      List<PointId> ids,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector shards);

  default List<PointRecord> retrieve(
      String collection, List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
    return retrieve(
        collection, ids, withPayload, withVectors, ReadConsistency.ONE, ShardSelector.ALL);
  }

  List<ScoredPoint> search(
      String collection, SearchRequest request, ReadConsistency consistency, ShardSelector shards);

  default List<ScoredPoint> search(String collection, SearchRequest request) {
    return search(collection, request, ReadConsistency.ONE, ShardSelector.ALL);
  }

  /** A page of points in id order; see {@link dev.quiver.storage.ShardReader#scroll}. */
  ScrollPage scroll(
      String collection,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector shards);

  default ScrollPage scroll(
      String collection,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors) {
    return scroll(
        collection,
        filter,
        offset,
        limit,
        withPayload,
        withVectors,
        ReadConsistency.ONE,
        ShardSelector.ALL);
  }

  /** Points that pass the filter (all when null). */
  long count(String collection, Filter filter, ReadConsistency consistency, ShardSelector shards);

  default long count(String collection, Filter filter) {
    return count(collection, filter, ReadConsistency.ONE, ShardSelector.ALL);
  }

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

  /** Whether a point of the collection passes {@code filter} (a JWT's {@code value_exists}). */
  boolean payloadMatchExists(String collection, Filter filter);

  /**
   * The other peers' answers to an audit-log query ({@code POST /audit/logs} body, JSON): each
   * peer's matching entries as a JSON array, by peer id. Peers that do not answer in time are left
   * out; a single node has no others.
   */
  default Map<Long, byte[]> peerAuditEntries(byte[] query) {
    return Map.of();
  }

  /**
   * This node's snapshot files: collection snapshots hold the node's local replicas (a single node:
   * the whole collection), as in Qdrant.
   */
  SnapshotStore snapshots();

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

  /** What {@code GET /cluster} reports. */
  ClusterStatus clusterStatus();

  /** Where the collection's shards are ({@code GET /collections/{name}/cluster}). */
  CollectionClusterInfo collectionClusterInfo(String collection);

  /**
   * Moves, copies or drops shard replicas; returns when done. A single node answers BadInput
   * ("Distributed mode disabled").
   */
  void updateCollectionCluster(String collection, ShardOperation operation);

  /**
   * Removes a peer from the cluster ({@code DELETE /cluster/peer/{id}}). Without {@code force} a
   * peer that still holds replicas is refused; with it, its replicas are dropped first.
   */
  void removePeer(long peerId, boolean force);

  /**
   * The resource quota in force, this node's usage and verdict, and in a cluster what every peer
   * that answered reports about itself ({@code GET /quotas}).
   */
  ResourceQuota.Status quotaStatus();

  /** This node's quota enforcer (its configuration, usage and verdict, without asking peers). */
  ResourceQuota quota();

  /** The cluster's metadata keys ({@link ClusterMetadata#STANDALONE} on a single node). */
  ClusterMetadata clusterMetadata();

  /**
   * Replaces the cluster-wide quota configuration ({@code PUT /quotas}): persisted on every node
   * (in a cluster through the metadata log), in force at once.
   */
  void setQuotas(QuotaConfig config);

  @Override
  void close();
}
