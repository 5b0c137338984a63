package dev.quiver.cluster;

import java.util.Map;

/**
 * The cluster as operators see it: status, shard placement and its changes, peers, cluster
 * metadata. A single node answers as Qdrant's does with distributed mode disabled. Errors are
 * {@link dev.quiver.storage.StorageException}s. Implementations are thread-safe.
 */
public interface ClusterControl {

  /** What {@code GET /cluster} reports. */
  ClusterStatus clusterStatus();

  /** Where the collection's shards are ({@code GET /collections/{name}/cluster}). */
  CollectionClusterInfo collectionClusterInfo(String collection);

  /**
   * Moves, copies or drops shard replicas, or creates and drops shard keys; returns when done. A
   * single node answers BadInput ("Distributed mode disabled") to all but the shard key operations.
   */
  void updateCollectionCluster(String collection, ShardOperation operation);

  /**
   * Removes a peer from the cluster ({@code DELETE /cluster/peer/{id}}). Without {@code force} a
   * peer that still holds replicas is refused; with it, its replicas are dropped first.
   */
  void removePeer(long peerId, boolean force);

  /**
   * The other peers' answers to an audit-log query ({@code POST /audit/logs} body, JSON): each
   * peer's matching entries as a JSON array, by peer id. Peers that do not answer in time are left
   * out; a single node has no others.
   */
  Map<Long, byte[]> peerAuditEntries(byte[] query);

  /** The cluster's metadata keys ({@link ClusterMetadata#STANDALONE} on a single node). */
  ClusterMetadata clusterMetadata();
}
