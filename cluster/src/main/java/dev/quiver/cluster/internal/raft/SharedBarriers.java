package dev.quiver.cluster.internal.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Lets concurrent linearizable reads of one shard share their barriers (entries of no writes,
 * committed before each read). While a barrier is in flight, the reads that arrive all wait for the
 * next one, which is sent as soon as a barrier in flight is answered — or, should that take longer
 * than {@code patience} (a leader gone quiet), by the next read to arrive, so a barrier stuck on a
 * lost leader holds nobody up for long. A read only ever waits for a barrier sent after it arrived
 * — the property its linearizability rests on — and a burst of N concurrent reads costs two log
 * entries instead of N.
 *
 * <p>Thread-safe. {@code send} is called outside the lock.
 *
 * @param <T> what a barrier's commit answers (its reply)
 */
final class SharedBarriers<T> {
  private final Supplier<CompletableFuture<T>> send;
  private final LongSupplier nanoClock;
  private final long patienceNanos;

  /** The barrier the next arrivals wait for, not sent yet; null when none waits. Guarded. */
  private CompletableFuture<T> next;

  /** Barriers sent and not answered yet. Guarded by this. */
  private int inFlight;

  /** When the last barrier was sent ({@link #nanoClock}). Guarded by this. */
  private long lastSent;

  /** Barriers sent so far (for tests and telemetry). Guarded by this. */
  private long sent;

  /**
   * Barriers committed through {@code send}, which returns its commit's answer; a barrier waits for
   * one in flight at most {@code patienceNanos} of {@code nanoClock}.
   */
  SharedBarriers(Supplier<CompletableFuture<T>> send, LongSupplier nanoClock, long patienceNanos) {
    this.send = send;
    this.nanoClock = nanoClock;
    this.patienceNanos = patienceNanos;
  }

  /**
   * The answer of a barrier sent after this call began: the one waiting to be sent, if there is
   * one, else a new one (sent now when none is in flight or the last was sent longer than the
   * patience ago, else once one in flight is answered).
   */
  CompletableFuture<T> join() {
    CompletableFuture<T> toSend;
    synchronized (this) {
      long now = nanoClock.getAsLong();
      boolean waitedEnough = inFlight > 0 && now - lastSent > patienceNanos;
      if (next != null && !waitedEnough) {
        return next;
      }
      if (next == null && inFlight > 0 && !waitedEnough) {
        next = new CompletableFuture<>();
        return next;
      }
      toSend = next != null ? next : new CompletableFuture<>();
      next = null;
      markSent(now);
    }
    dispatch(toSend);
    return toSend;
  }

  private void markSent(long now) {
    inFlight++;
    sent++;
    lastSent = now;
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
            inFlight--;
            following = next;
            next = null;
            if (following != null) {
              markSent(nanoClock.getAsLong());
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
