package dev.quiver.cluster;

/**
 * A change to where a collection's shard replicas live ({@code POST /collections/{c}/cluster}).
 * Each is carried out as Raft membership changes of the shard's group: a new replica joins as a
 * staging member, is caught up from the shard's log, and only then counts in the majority.
 */
public sealed interface ShardOperation {

  /** Adds a replica of {@code shardId} on {@code toPeer}, copied from the group. */
  record Replicate(int shardId, long fromPeer, long toPeer) implements ShardOperation {}

  /** Replicates to {@code toPeer}, then drops the replica on {@code fromPeer}. */
  record Move(int shardId, long fromPeer, long toPeer) implements ShardOperation {}

  /** Removes the replica of {@code shardId} on {@code peer} (never the last one). */
  record DropReplica(int shardId, long peer) implements ShardOperation {}

  /** Aborts a transfer; transfers here finish within their request, so none is ever pending. */
  record AbortTransfer(int shardId, long fromPeer, long toPeer) implements ShardOperation {}

  /** {@link Dispatcher#createShardKey}, as {@code create_sharding_key}. */
  record CreateShardKey(
      dev.quiver.storage.ShardKey key,
      Integer shards,
      Integer replicationFactor,
      java.util.List<Long> placement)
      implements ShardOperation {
    public CreateShardKey {
      java.util.Objects.requireNonNull(key, "key");
      placement = placement == null ? java.util.List.of() : java.util.List.copyOf(placement);
    }
  }

  /** {@link Dispatcher#deleteShardKey}, as {@code drop_sharding_key}. */
  record DropShardKey(dev.quiver.storage.ShardKey key) implements ShardOperation {
    public DropShardKey {
      java.util.Objects.requireNonNull(key, "key");
    }
  }
}
