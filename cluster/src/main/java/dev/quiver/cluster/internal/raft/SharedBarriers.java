package dev.quiver.cluster.internal.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Lets concurrent linearizable reads of one shard share their barriers (entries of no writes,
 * committed before each read): at most one barrier is in flight; the reads that arrive meanwhile
 * all wait for the next one, which is sent once the one in flight is answered. A read therefore
 * only ever waits for a barrier sent after it arrived — the property its linearizability rests on —
 * and a burst of N concurrent reads costs two log entries instead of N.
 *
 * <p>Thread-safe. {@code send} is called outside the lock, at most once at a time.
 *
 * @param <T> what a barrier's commit answers (its reply)
 */
final class SharedBarriers<T> {
  private final Supplier<CompletableFuture<T>> send;

  /** The barrier the next arrivals wait for, not sent yet; null when none waits. Guarded. */
  private CompletableFuture<T> next;

  /** Whether a barrier is in flight. Guarded by this. */
  private boolean inFlight;

  /** Barriers sent so far (for tests and telemetry). Guarded by this. */
  private long sent;

  /** Barriers committed through {@code send}, which returns its commit's answer. */
  SharedBarriers(Supplier<CompletableFuture<T>> send) {
    this.send = send;
  }

  /**
   * The answer of a barrier sent after this call began: the one waiting to be sent, if there is
   * one, else a new one (sent now when none is in flight, else once the one in flight is answered).
   */
  CompletableFuture<T> join() {
    CompletableFuture<T> mine;
    synchronized (this) {
      if (next != null) {
        return next;
      }
      mine = new CompletableFuture<>();
      if (inFlight) {
        next = mine;
        return mine;
      }
      inFlight = true;
      sent++;
    }
    dispatch(mine);
    return mine;
  }

  /** Sends a barrier for {@code waiting}; when it is answered, sends the next one if any waits. */
  private void dispatch(CompletableFuture<T> waiting) {
    CompletableFuture<T> commit;
    try {
      commit = send.get();
    } catch (RuntimeException e) {
      commit = CompletableFuture.failedFuture(e);
    }
    commit.whenComplete(
        (answer, error) -> {
          CompletableFuture<T> following;
          synchronized (this) {
            following = next;
            next = null;
            if (following == null) {
              inFlight = false;
            } else {
              sent++;
            }
          }
          if (error != null) {
            waiting.completeExceptionally(error);
          } else {
            waiting.complete(answer);
          }
          if (following != null) {
            dispatch(following);
          }
        });
  }

  /** How many barriers were sent. */
  synchronized long sent() {
    return sent;
  }
}
