package dev.quiver.cluster.internal.raft;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * This node's writes in flight, each with the metadata index applied when it was routed. A
 * resharding copies the points that move only once every node has routed by its stage: a node
 * answers that it has ({@link #passed}) when it has applied the stage's entry and no write routed
 * before it is still in flight (queued, sent, or retried towards its shard). Thread-safe.
 */
final class ReshardGate {
  private final LongSupplier applied;
  private final AtomicLong tickets = new AtomicLong();
  private final Map<Long, Long> inFlight = new ConcurrentHashMap<>();

  /** {@code applied} gives the index of the last metadata entry this node applied. */
  ReshardGate(LongSupplier applied) {
    this.applied = applied;
  }

  /**
   * A write begins: call before reading the placement it routes by, and {@link #exit} when it has
   * ended (applied, failed or given up).
   */
  long enter() {
    long ticket = tickets.incrementAndGet();
    inFlight.put(ticket, applied.getAsLong());
    return ticket;
  }

  void exit(long ticket) {
    inFlight.remove(ticket);
  }

  /**
   * Whether this node has applied metadata {@code index} and every write it routed before that has
   * ended.
   */
  boolean passed(long index) {
    if (applied.getAsLong() < index) {
      return false;
    }
    for (long routedAt : inFlight.values()) {
      if (routedAt < index) {
        return false;
      }
    }
    return true;
  }
}
