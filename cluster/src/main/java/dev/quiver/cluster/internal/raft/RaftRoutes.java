package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.cluster.internal.Fanout;
import dev.quiver.cluster.internal.OwnedReader;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.cluster.internal.ShardRoutes;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Condition;
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
  private final ReshardGate gate;
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
      UpdatePermits permits,
      ReshardGate gate) {
    this.listener = listener;
    this.gate = gate;
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
    Wire.Resharding resharding = metaLog.resharding(collection).orElse(null);
    ShardLayout full = p.layout();
    ShardLayout layout = Reshard.routing(full, resharding);
    return Fanout.readers(
        layout,
        layout.groups(selector, false),
        s -> {
          ShardReader reader = reader(p, s, consistency, local, localShards);
          Condition owned = Reshard.owned(full, resharding, s);
          return owned == null
              ? reader
              : new OwnedReader(reader, owned, id -> Reshard.owner(full, resharding, id) == s);
        });
  }

  private ShardReader reader(
      MetaStateMachine.Placement p,
      int s,
      ReadConsistency consistency,
      Collection local,
      Set<Integer> localShards) {
    if (consistency == ReadConsistency.LINEARIZABLE) {
      return groups.channel(p, s).linearizableReader();
    }
    if (!localShards.contains(s) || listener) {
      return groups.channel(p, s).reader();
    }
    // a local replica that is behind its leader (restarted, being filled) serves no reads: the
    // leader answers them until it has caught up
    return groups.caughtUp(p, s) ? local.reader(s) : groups.channel(p, s).linearizableReader();
  }

  @Override
  public UpdateResult write(String collection, UpdateOp op, boolean wait, ShardSelector selector) {
    return permits.run(() -> route(collection, op, wait, selector));
  }

  private UpdateResult route(String collection, UpdateOp op, boolean wait, ShardSelector selector) {
    long deadline = System.nanoTime() + requestTimeout.toNanos();
    while (true) {
      long ticket = gate.enter();
      boolean sent = false;
      Wire.Resharding r;
      try {
        MetaStateMachine.Placement p = metaLog.placement(collection);
        r = metaLog.resharding(collection).orElse(null);
        ShardLayout full = p.layout();
        Map<Integer, UpdateOp> routed = Reshard.route(full, r, op, selector);
        if (!waitsForResharding(full, r, op, routed)) {
          sent = true; // from here the ticket ends with the parts sent
          return send(collection, p, routed, op, wait, ticket);
        }
      } finally {
        if (!sent) {
          gate.exit(ticket);
        }
      }
      awaitReshardingStep(collection, r, deadline);
    }
  }

  /** Whether the write may touch a point that a resharding is copying. */
  private static boolean waitsForResharding(
      ShardLayout full, Wire.Resharding r, UpdateOp op, Map<Integer, UpdateOp> routed) {
    if (r == null || !r.frozen()) {
      return false;
    }
    List<Integer> resharded = Reshard.group(full, r.key());
    return routed.keySet().stream().anyMatch(resharded::contains) && Reshard.waits(full, r, op);
  }

  /**
   * Waits (within the request's timeout) until the collection's resharding has moved past {@code
   * seen}, the step its write waited for (the frozen part has moved, or it was aborted).
   */
  private void awaitReshardingStep(String collection, Wire.Resharding seen, long deadline) {
    while (seen.equals(metaLog.resharding(collection).orElse(null))) {
      if (System.nanoTime() > deadline) {
        throw new StorageException.Unavailable(
            "collection `"
                + collection
                + "` is being resharded: the points this update touches are being moved to their"
                + " new shard; retry",
            null);
      }
      try {
        Thread.sleep(RESHARD_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StorageException.Unavailable("interrupted", e);
      }
    }
  }

  private static final long RESHARD_POLL_MILLIS = 20;

  private UpdateResult send(
      String collection,
      MetaStateMachine.Placement p,
      Map<Integer, UpdateOp> routed,
      UpdateOp op,
      boolean wait,
      long ticket) {
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    try {
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
      routed.forEach((shard, part) -> parts.add(groups.channel(p, shard).submit(part)));
    } finally {
      // the ticket ends with the parts sent (at once when a check refused the write: none was)
      CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
          .whenComplete((ok, failed) -> gate.exit(ticket));
    }
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
