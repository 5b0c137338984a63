package dev.quiver.server.guard;

import dev.quiver.storage.RequestScope;
import java.util.concurrent.Semaphore;
import java.util.function.LongSupplier;

/**
 * The caps both edges put on client requests: how many run at once (excess answered 429 /
 * RESOURCE_EXHAUSTED at once, never queued), how much heap they may hold together ({@link
 * HeapBudget}), and, through the {@link RequestScope} each request runs in, how many result points
 * and filter conditions one request may hold and how long it may run. Thread-safe.
 */
public final class RequestLimits {
  /** The configuration key of the in-flight cap, named in its error. */
  public static final String MAX_CONCURRENT_REQUESTS_KEY = "service.max_concurrent_requests";

  private final int maxConcurrent;
  private final long maxResultPoints;
  private final int maxFilterConditions;
  private final LongSupplier nanoClock;
  private final Semaphore inFlight;
  private final HeapBudget heap;

  /** Limits whose heap budget is {@link HeapBudget#HEAP_SHARE} of this JVM's maximum heap. */
  public RequestLimits(
      int maxConcurrent, long maxResultPoints, int maxFilterConditions, LongSupplier nanoClock) {
    this(
        maxConcurrent,
        maxResultPoints,
        maxFilterConditions,
        nanoClock,
        HeapBudget.ofHeap(Runtime.getRuntime().maxMemory()));
  }

  /**
   * @param maxConcurrent requests running at once on this node, REST and gRPC together
   * @param maxResultPoints result points one request may materialise
   * @param maxFilterConditions conditions all filters of one request may hold
   * @param nanoClock the clock of request deadlines
   * @param heap the heap requests in flight may hold
   */
  public RequestLimits(
      int maxConcurrent,
      long maxResultPoints,
      int maxFilterConditions,
      LongSupplier nanoClock,
      HeapBudget heap) {
    if (maxConcurrent < 1 || maxResultPoints < 1 || maxFilterConditions < 1) {
      throw new IllegalArgumentException("request limits must be at least 1");
    }
    this.maxConcurrent = maxConcurrent;
    this.maxResultPoints = maxResultPoints;
    this.maxFilterConditions = maxFilterConditions;
    this.nanoClock = nanoClock;
    this.inFlight = new Semaphore(maxConcurrent);
    this.heap = heap;
  }

  /** The heap requests in flight may hold, REST and gRPC together. */
  public HeapBudget heap() {
    return heap;
  }

  /** Generous limits for tests and tools that build an edge without a configuration. */
  public static RequestLimits defaults() {
    return new RequestLimits(512, 100_000, 10_000, System::nanoTime);
  }

  /** Takes a slot for one request; false when {@code maxConcurrent} are running already. */
  public boolean tryEnter() {
    return inFlight.tryAcquire();
  }

  /** Whether any client request is running now. */
  public boolean busy() {
    return inFlight.availablePermits() < maxConcurrent;
  }

  /** Gives back the slot a successful {@link #tryEnter()} took. */
  public void exit() {
    inFlight.release();
  }

  /** The message of a request refused for the in-flight cap. */
  public String tooManyMessage() {
    return "Too many requests: "
        + maxConcurrent
        + " requests are in flight on this node ("
        + MAX_CONCURRENT_REQUESTS_KEY
        + "); retry later";
  }

  /** The scope one request runs in; {@code timeoutSeconds} 0 means no deadline. */
  public RequestScope scope(long timeoutSeconds) {
    return RequestScope.of(timeoutSeconds, maxResultPoints, maxFilterConditions, nanoClock);
  }
}
