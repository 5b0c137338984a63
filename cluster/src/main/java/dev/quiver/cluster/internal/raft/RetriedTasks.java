package dev.quiver.cluster.internal.raft;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Long-running tasks started by a periodic check, one per key at a time: a key's task is started on
 * {@code workers} unless it is running, or failed less than {@code retryAfter} ago (then it is
 * started again by a later check). Thread-safe.
 *
 * @param <K> what identifies a task (a transfer, a collection)
 */
final class RetriedTasks<K> {
  private final ExecutorService workers;
  private final LongSupplier nanoClock;
  private final Duration retryAfter;
  private final BiConsumer<K, RuntimeException> failed;
  private final Set<K> running = ConcurrentHashMap.newKeySet();
  private final Map<K, Long> failedAt = new ConcurrentHashMap<>();

  /** {@code failed} is told (to log it) of a task that threw. */
  RetriedTasks(
      ExecutorService workers,
      LongSupplier nanoClock,
      Duration retryAfter,
      BiConsumer<K, RuntimeException> failed) {
    this.workers = workers;
    this.nanoClock = nanoClock;
    this.retryAfter = retryAfter;
    this.failed = failed;
  }

  /** Starts {@code task} for {@code key} unless it runs or failed too recently. */
  void start(K key, Runnable task) {
    Long at = failedAt.get(key);
    if (at != null && nanoClock.getAsLong() - at < retryAfter.toNanos()) {
      return;
    }
    if (!running.add(key)) {
      return;
    }
    try {
      workers.execute(
          () -> {
            try {
              task.run();
              failedAt.remove(key);
            } catch (RuntimeException e) {
              failedAt.put(key, nanoClock.getAsLong());
              failed.accept(key, e);
            } finally {
              running.remove(key);
            }
          });
    } catch (RuntimeException rejected) {
      running.remove(key); // shutting down
    }
  }

  /** Forgets the failures of keys other than {@code current} (their tasks ended elsewhere). */
  void retain(Collection<K> current) {
    failedAt.keySet().retainAll(current);
  }
}
