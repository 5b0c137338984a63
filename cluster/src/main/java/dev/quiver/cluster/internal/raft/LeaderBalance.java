package dev.quiver.cluster.internal.raft;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Hands each shard's leadership back to its preferred replica, the first holder of the shard in its
 * placement that is not on a {@code Listener} node (placement rotates the first holder over the
 * peers, so this spreads the leaders and their work over the cluster, brings a leader home after
 * its peer restarted or was cut off, and takes the leadership, with the linearizable reads it
 * serves, off a listener).
 *
 * <p>Ratis does the same through peer priorities, at a price this avoids: a candidate waits for the
 * vote of every higher-priority peer until its election timeout runs out, in the pre-vote and again
 * in the vote, so losing a preferred leader made its fail-over two election timeouts longer (the
 * fault suite measured 4-7 s against 0.1-3.4 s with equal priorities). Here every peer has the same
 * priority, and every {@code every} this node asks the leader of each group it prefers to transfer
 * the leadership to it, once its replica has been a caught-up follower for two checks in a row.
 * Thread-safe.
 */
final class LeaderBalance implements AutoCloseable {
  private final long self;
  private final Supplier<Iterable<MetaStateMachine.Placement>> placements;
  private final Supplier<Set<Long>> listeners;
  private final ShardGroups groups;
  private final ScheduledFuture<?> checks;
  private Set<RaftGroupId> readyBefore = Set.of(); // only the timer thread touches it

  /**
   * @param placements the collections' placements as this node knows them
   * @param listeners the peers recorded as {@code Listener} nodes
   * @param timers runs the checks; the transfers themselves run on {@code groups}' executor
   */
  LeaderBalance(
      long self,
      Supplier<Iterable<MetaStateMachine.Placement>> placements,
      Supplier<Set<Long>> listeners,
      ShardGroups groups,
      ScheduledExecutorService timers,
      Duration every) {
    this.self = self;
    this.placements = placements;
    this.listeners = listeners;
    this.groups = groups;
    this.checks =
        timers.scheduleWithFixedDelay(
            this::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check() {
    Set<RaftGroupId> ready = new HashSet<>();
    try {
      Set<Long> listening = listeners.get();
      for (MetaStateMachine.Placement p : placements.get()) {
        for (int s = 0; s < p.shardCount(); s++) {
          var holders = p.replicas().get(s);
          if (!holders.isEmpty()
              && preferred(holders, listening) == self
              && groups.followsCaughtUp(p, s)) {
            RaftGroupId gid = p.groupId(s);
            ready.add(gid);
            if (readyBefore.contains(gid)) {
              groups.claimLeadership(p, s);
            }
          }
        }
      }
    } catch (RuntimeException e) {
      // the next check tries again (placements change under it, groups stop)
    }
    readyBefore = ready;
  }

  /**
   * The holder that should lead: the first not on a {@code Listener} node, else the first (the
   * holders are not empty).
   */
  static long preferred(List<Long> holders, Set<Long> listeners) {
    for (long h : holders) {
      if (!listeners.contains(h)) {
        return h;
      }
    }
    return holders.getFirst();
  }

  @Override
  public void close() {
    checks.cancel(false);
  }
}
