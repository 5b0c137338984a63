package dev.quiver.cluster;

import dev.quiver.storage.ShardKey;
import java.util.List;

/**
 * Where a collection's shards are, as {@code GET /collections/{name}/cluster} reports it.
 *
 * @param peerId this node's peer id
 * @param shardCount number of shards of the collection
 * @param localShards replicas held by this node
 * @param remoteShards replicas held by other peers
 * @param transfers the shard transfers running
 * @param reshardings the resharding running (at most one)
 */
public record CollectionClusterInfo(
    long peerId,
    int shardCount,
    List<LocalShard> localShards,
    List<RemoteShard> remoteShards,
    List<Transfer> transfers,
    List<Resharding> reshardings) {

  public CollectionClusterInfo {
    localShards = List.copyOf(localShards);
    remoteShards = List.copyOf(remoteShards);
    transfers = List.copyOf(transfers);
    reshardings = List.copyOf(reshardings);
  }

  /** Without a resharding. */
  public CollectionClusterInfo(
      long peerId,
      int shardCount,
      List<LocalShard> localShards,
      List<RemoteShard> remoteShards,
      List<Transfer> transfers) {
    this(peerId, shardCount, localShards, remoteShards, transfers, List.of());
  }

  /**
   * A running resharding: {@code up} adds shard {@code shardId} (first placed on {@code peerId}),
   * down removes it ({@code peerId} holds it); {@code shardKey} null with auto sharding.
   */
  public record Resharding(boolean up, int shardId, long peerId, ShardKey shardKey) {}

  /**
   * A running shard transfer: {@code sync} for a replication (the source keeps its replica), false
   * for a move.
   */
  public record Transfer(int shardId, long from, long to, boolean sync, TransferMethod method) {}

  /**
   * A replica on this node; {@code state} is Qdrant's replica state name ({@code Active}, {@code
   * Partial} while it catches up with its leader or receives a transfer, {@code Dead} while its
   * leader cannot reach it); {@code shardKey} is null with auto sharding.
   */
  public record LocalShard(int shardId, ShardKey shardKey, long pointsCount, String state) {}

  /** A replica on another peer. */
  public record RemoteShard(int shardId, ShardKey shardKey, long peerId, String state) {}
}
