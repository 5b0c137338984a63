package dev.quiver.cluster.internal.raft;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs the shard transfers whose source is this peer, as Qdrant's source peers do: every {@code
 * every} it looks at the transfers the metadata records and starts the steps ({@link
 * ShardMembership#runTransfer}) of each one from here that is not running yet. A transfer whose
 * steps fail is tried again at a later check; one interrupted by a restart of this node is run
 * again when it is back. Thread-safe.
 */
final class ShardTransfers implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(ShardTransfers.class);

  /** How long after a failed attempt a transfer is tried again. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(5);

  private record Key(String collection, int shard, long from, long to) {}

  private final long self;
  private final Supplier<Map<String, List<Wire.Transfer>>> recorded;
  private final BiConsumer<String, Wire.Transfer> steps;
  private final RetriedTasks<Key> tasks;
  private final ScheduledFuture<?> checks;

  /**
   * @param recorded the transfers the metadata records, by collection
   * @param steps runs one transfer to its end (or throws)
   * @param workers runs the steps (they block on Raft membership changes)
   * @param nanoClock times the retries
   */
  ShardTransfers(
      long self,
      Supplier<Map<String, List<Wire.Transfer>>> recorded,
      BiConsumer<String, Wire.Transfer> steps,
      ScheduledExecutorService timers,
      ExecutorService workers,
      Duration every,
      LongSupplier nanoClock) {
    this.self = self;
    this.recorded = recorded;
    this.steps = steps;
    this.tasks =
        new RetriedTasks<>(
            workers,
            nanoClock,
            RETRY_AFTER,
            (k, e) ->
                LOG.warn(
                    "{}/{}: transfer {} -> {} did not finish, tried again later: {}",
                    k.collection(),
                    k.shard(),
                    k.from(),
                    k.to(),
                    e.toString()));
    this.checks =
        timers.scheduleWithFixedDelay(
            this::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts the steps of each transfer from this peer that is not running. */
  void check() {
    try {
      Set<Key> mine = new HashSet<>();
      recorded
          .get()
          .forEach(
              (collection, transfers) -> {
                for (Wire.Transfer t : transfers) {
                  if (t.from() == self) {
                    Key key = new Key(collection, t.shard(), t.from(), t.to());
                    mine.add(key);
                    tasks.start(key, () -> steps.accept(collection, t));
                  }
                }
              });
      tasks.retain(mine); // transfers that ended or were aborted
    } catch (RuntimeException e) {
      LOG.warn("cannot look at the shard transfers: {}", e.toString());
    }
  }

  @Override
  public void close() {
    checks.cancel(false);
  }
}
