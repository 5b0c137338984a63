package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.cluster.internal.Fanout;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.cluster.internal.ShardRoutes;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.UpdateResult.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shards as Raft groups: a write part is submitted to its shard's group through a {@link
 * ShardChannel} batcher ({@code wait} returns once a majority of the replicas has it and the leader
 * applied it); a read uses the local replica when this node holds one that has caught up with its
 * leader, else a live replica (the leader for a local replica still catching up), and a
 * linearizable read goes through the shard's leader. Thread-safe.
 */
final class RaftRoutes implements ShardRoutes {
  private final MetaLog metaLog;
  private final CollectionRegistry registry;
  private final ShardGroups groups;
  private final PeerQuotas quotas;
  private final Duration requestTimeout;
  private final boolean listener;
  private final UpdatePermits permits;
  private final AtomicLong callIds = new AtomicLong();

  /**
   * @param listener this node is a {@code Listener} node: its replicas serve no reads while another
   *     replica can
   * @param permits how many updates run through this node at once
   */
  RaftRoutes(
      MetaLog metaLog,
      CollectionRegistry registry,
      ShardGroups groups,
      PeerQuotas quotas,
      Duration requestTimeout,
      boolean listener,
      UpdatePermits permits) {
    this.listener = listener;
    this.permits = permits;
    this.metaLog = metaLog;
    this.registry = registry;
    this.groups = groups;
    this.quotas = quotas;
    this.requestTimeout = requestTimeout;
  }

  @Override
  public CollectionConfig config(String collection) {
    return metaLog.placement(collection).config();
  }

  @Override
  public List<List<ShardReader>> readers(
      String collection, ReadConsistency consistency, ShardSelector selector) {
    MetaStateMachine.Placement p = metaLog.placement(collection);
    Collection local = registry.get(collection).orElse(null);
    Set<Integer> localShards = local == null ? Set.of() : local.shardIds();
    ShardLayout layout = p.layout();
    return Fanout.readers(
        layout,
        layout.groups(selector, false),
        s -> {
          if (consistency == ReadConsistency.LINEARIZABLE) {
            return groups.channel(p, s).linearizableReader();
          }
          if (!localShards.contains(s) || listener) {
            return groups.channel(p, s).reader();
          }
          // a local replica that is behind its leader (restarted, being filled) serves no reads:
          // the leader answers them until it has caught up
          return groups.caughtUp(p, s)
              ? local.reader(s)
              : groups.channel(p, s).linearizableReader();
        });
  }

  @Override
  public UpdateResult write(String collection, UpdateOp op, boolean wait, ShardSelector selector) {
    return permits.run(() -> route(collection, op, wait, selector));
  }

  private UpdateResult route(String collection, UpdateOp op, boolean wait, ShardSelector selector) {
    MetaStateMachine.Placement p = metaLog.placement(collection);
    Map<Integer, UpdateOp> routed = p.layout().route(op, selector);
    Map<Integer, Long> recovering = metaLog.recoveries(collection);
    for (int shard : routed.keySet()) {
      if (recovering.containsKey(shard)) {
        throw new StorageException.Unavailable(
            "shard "
                + shard
                + " of collection `"
                + collection
                + "` is being recovered from a snapshot: writes to it resume when that ends",
            null);
      }
    }
    quotas.check(
        op,
        routed.keySet().stream().map(p.replicas()::get).toList(),
        (long) p.config().wal().walCapacityMb() << 20);
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    routed.forEach((shard, part) -> parts.add(groups.channel(p, shard).submit(part)));
    long opId = callIds.incrementAndGet();
    if (!wait) {
      return new UpdateResult(opId, Status.ACKNOWLEDGED);
    }
    for (CompletableFuture<Void> f : parts) {
      Replies.awaitApplied(f, requestTimeout.multipliedBy(2));
    }
    return new UpdateResult(opId, Status.COMPLETED);
  }

  @Override
  public long localPayloadBytes(String collection) {
    metaLog.placement(collection);
    return registry.get(collection).map(Collection::payloadBytes).orElse(0L);
  }
}
