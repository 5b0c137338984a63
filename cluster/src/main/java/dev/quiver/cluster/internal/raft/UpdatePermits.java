package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.RequestScope;
import dev.quiver.storage.StorageException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Qdrant's {@code storage.performance.update_rate_limit}: at most this many updates go through this
 * node's write path at once; the others wait their turn, in arrival order, within their request's
 * timeout and for at most {@code wait}, after which they are answered 503. Unlimited when not set.
 * Thread-safe.
 */
final class UpdatePermits {
  /** How often a waiting update looks at its request's deadline and cancellation. */
  private static final long CHECK_MILLIS = 100;

  private final Semaphore permits; // null: unlimited
  private final int limit;
  private final Duration wait;
  private final LongSupplier nanoClock;

  /**
   * @param limit updates at once, or null for no limit
   * @param wait the longest an update waits for its turn
   */
  UpdatePermits(Integer limit, Duration wait, LongSupplier nanoClock) {
    this.permits = limit == null ? null : new Semaphore(limit, true);
    this.limit = limit == null ? 0 : limit;
    this.wait = wait;
    this.nanoClock = nanoClock;
  }

  /** Runs {@code update} once a permit is free, holding it until {@code update} returns. */
  <T> T run(Supplier<T> update) {
    if (permits == null) {
      return update.get();
    }
    acquire();
    try {
      return update.get();
    } finally {
      permits.release();
    }
  }

  /** Whether an update is waiting for its turn now. */
  boolean waiting() {
    return permits != null && permits.hasQueuedThreads();
  }

  private void acquire() {
    RequestScope scope = RequestScope.current();
    long deadline = nanoClock.getAsLong() + wait.toNanos();
    try {
      while (true) {
        scope.checkpoint();
        if (permits.tryAcquire(CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
          return;
        }
        if (nanoClock.getAsLong() - deadline > 0) {
          throw new StorageException.Unavailable(
              "this node runs at most "
                  + limit
                  + " updates at once (storage.performance.update_rate_limit) and none ended"
                  + " within "
                  + wait.toSeconds()
                  + " s",
              null);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Unavailable("interrupted while waiting to update", e);
    }
  }
}
