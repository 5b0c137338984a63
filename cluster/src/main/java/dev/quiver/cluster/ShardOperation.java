package dev.quiver.cluster;

import dev.quiver.storage.Filter;
import dev.quiver.storage.ShardKey;
import java.util.List;
import java.util.Objects;

/**
 * A change to where a collection's shard replicas live ({@code POST /collections/{c}/cluster}).
 * Each is carried out as Raft membership changes of the shard's group: a new replica joins as a
 * staging member, is caught up from the shard's leader, and only then counts in the majority. A
 * transfer ({@link Replicate}, {@link Move}) is recorded in the cluster's metadata and runs after
 * the request is answered, as in Qdrant. Its cases are immutable values.
 */
public sealed interface ShardOperation {

  /**
   * Adds a replica of {@code shardId} on {@code toPeer}, copied from the group; {@code method} null
   * for the default ({@link TransferMethod#STREAM_RECORDS}).
   */
  record Replicate(int shardId, long fromPeer, long toPeer, TransferMethod method)
      implements ShardOperation {}

  /** Replicates to {@code toPeer}, then drops the replica on {@code fromPeer}. */
  record Move(int shardId, long fromPeer, long toPeer, TransferMethod method)
      implements ShardOperation {}

  /** Runs a recorded transfer again from its start, with {@code method}. */
  record RestartTransfer(int shardId, long fromPeer, long toPeer, TransferMethod method)
      implements ShardOperation {
    public RestartTransfer {
      Objects.requireNonNull(method, "method");
    }
  }

  /** Removes the replica of {@code shardId} on {@code peer} (never the last one). */
  record DropReplica(int shardId, long peer) implements ShardOperation {}

  /** Aborts a running transfer: the receiving replica is dropped, the source keeps its replica. */
  record AbortTransfer(int shardId, long fromPeer, long toPeer) implements ShardOperation {}

  /** {@link Catalog#createShardKey}, as {@code create_sharding_key}. */
  record CreateShardKey(
      ShardKey key, Integer shards, Integer replicationFactor, List<Long> placement)
      implements ShardOperation {
    public CreateShardKey {
      Objects.requireNonNull(key, "key");
      placement = placement == null ? List.of() : List.copyOf(placement);
    }
  }

  /**
   * Copies the points of shard key {@code from} that pass {@code filter} (all when null) into shard
   * key {@code to} ({@code replicate_points}); the source keeps them. Carried out by {@link
   * PointReplication} through the collection's reads and writes.
   */
  record ReplicatePoints(ShardKey from, ShardKey to, Filter filter) implements ShardOperation {
    public ReplicatePoints {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }

  /** {@link Catalog#deleteShardKey}, as {@code drop_sharding_key}. */
  record DropShardKey(ShardKey key) implements ShardOperation {
    public DropShardKey {
      Objects.requireNonNull(key, "key");
    }
  }

  /**
   * Starts a resharding of {@code key}'s shards (null: the shards without a key): {@code up} adds a
   * shard, placed first on {@code peer} (null: the peer holding the fewest of the collection's
   * replicas); down removes the last shard ({@code peer}, when given, must hold it).
   */
  record StartResharding(boolean up, Long peer, ShardKey key) implements ShardOperation {}

  /** Aborts the collection's resharding before it has switched to the new shards. */
  record AbortResharding() implements ShardOperation {}
}
