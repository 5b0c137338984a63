package dev.quiver.storage;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What one client request may still spend: a deadline (its {@code timeout}), a cancellation flag
 * (set when its client goes away) and a budget of result points. The edge binds a scope around the
 * request's work with {@link #run}; the engine's long loops call {@link #checkpoint()} and every
 * place that materialises results calls {@link #charge}, so a request stops — with a clear error —
 * instead of running on after its client left or growing its results without bound.
 *
 * <p>Work outside any request (the background indexer, WAL replay, Raft apply) sees {@link
 * #UNBOUNDED}, which never stops anything. Thread-safe: a request's work may fan out to other
 * threads, which {@link #run} the same scope.
 */
public final class RequestScope {
  private static final ScopedValue<RequestScope> CURRENT = ScopedValue.newInstance();

  /** The scope of work that no client waits for: no deadline, no budget. */
  public static final RequestScope UNBOUNDED =
      new RequestScope(Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, System::nanoTime);

  /** How many iterations of an engine loop pass between two checks of the clock. */
  public static final int CHECK_EVERY = 1024;

  private final long deadlineNanos;
  private final long budget;
  private final int maxConditions;
  private final LongSupplier nanoClock;
  private final AtomicLong charged = new AtomicLong();
  private final AtomicInteger conditions = new AtomicInteger();
  private volatile boolean cancelled;
  private volatile long timeoutSeconds;
  private int ticks;

  private RequestScope(long deadlineNanos, long budget, int maxConditions, LongSupplier nanoClock) {
    this.deadlineNanos = deadlineNanos;
    this.budget = budget;
    this.maxConditions = maxConditions;
    this.nanoClock = nanoClock;
  }

  /** The configuration key of the result cap, named in its error. */
  public static final String MAX_RESULT_POINTS_KEY = "service.max_result_points";

  /** The configuration key of the condition cap, named in its error. */
  public static final String MAX_FILTER_CONDITIONS_KEY = "service.max_filter_conditions";

  /**
   * A scope for one request.
   *
   * @param timeoutSeconds the request's {@code timeout}, or 0 for none
   * @param maxResultPoints how many result points the whole request may materialise
   * @param maxConditions how many filter conditions all of the request's filters may hold
   * @param nanoClock the clock the deadline is measured on ({@link System#nanoTime} in production)
   */
  public static RequestScope of(
      long timeoutSeconds, long maxResultPoints, int maxConditions, LongSupplier nanoClock) {
    long deadline =
        timeoutSeconds <= 0
            ? Long.MAX_VALUE
            : nanoClock.getAsLong() + Math.min(timeoutSeconds, 1L << 30) * 1_000_000_000L;
    RequestScope s = new RequestScope(deadline, maxResultPoints, maxConditions, nanoClock);
    s.timeoutSeconds = timeoutSeconds;
    return s;
  }

  /** The request's {@code timeout} in seconds, or 0 when it gave none. */
  public long timeoutSeconds() {
    return timeoutSeconds;
  }

  /** The scope bound to this thread, or {@link #UNBOUNDED}. */
  public static RequestScope current() {
    return CURRENT.isBound() ? CURRENT.get() : UNBOUNDED;
  }

  /** Runs {@code work} with this scope bound, on the calling thread. */
  public <T> T run(Callable<T> work) throws Exception {
    return ScopedValue.where(CURRENT, this).call(work::call);
  }

  /** Marks the request abandoned: its next {@link #checkpoint()} throws. */
  public void cancel() {
    cancelled = true;
  }

  public boolean cancelled() {
    return cancelled;
  }

  /**
   * Throws {@link StorageException.Timeout} when the request is past its deadline or abandoned.
   * Cheap (a volatile read and a clock read): engine loops call it every {@link #CHECK_EVERY}
   * iterations.
   */
  public void checkpoint() {
    if (this == UNBOUNDED) {
      return;
    }
    if (cancelled) {
      throw new StorageException.Timeout("Operation cancelled: the client closed the request");
    }
    if (deadlineNanos != Long.MAX_VALUE && nanoClock.getAsLong() - deadlineNanos > 0) {
      throw new StorageException.Timeout(
          "Operation timed out after " + timeoutSeconds + " seconds (the request's timeout)");
    }
  }

  /**
   * One iteration of an engine loop: every {@link #CHECK_EVERY}th call is a {@link #checkpoint()}.
   * The counter is shared racily by the threads of one request; a lost increment only delays a
   * check.
   */
  public void tick() {
    if (this != UNBOUNDED && (++ticks & (CHECK_EVERY - 1)) == 0) {
      checkpoint();
    }
  }

  /**
   * Counts {@code points} more result points against the request's budget, before they are
   * materialised.
   *
   * @throws StorageException.OverLimit when the request would hold more than the cap
   */
  public void charge(long points) {
    if (this == UNBOUNDED || points <= 0) {
      return;
    }
    long total = charged.addAndGet(points);
    if (total > budget) {
      throw new StorageException.OverLimit(
          "the request would return or hold more than "
              + budget
              + " points ("
              + MAX_RESULT_POINTS_KEY
              + "); lower limit or offset, page with scroll, or split the batch");
    }
  }

  /**
   * Counts one more filter condition of the request, as it is parsed.
   *
   * @throws StorageException.OverLimit past the cap
   */
  public void countCondition() {
    if (this != UNBOUNDED && conditions.incrementAndGet() > maxConditions) {
      throw new StorageException.OverLimit(
          "the request's filters hold more than "
              + maxConditions
              + " conditions ("
              + MAX_FILTER_CONDITIONS_KEY
              + ")");
    }
  }

  /** The result points charged so far. */
  public long charged() {
    return charged.get();
  }
}
