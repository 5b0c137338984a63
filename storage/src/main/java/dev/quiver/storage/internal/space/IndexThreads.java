package dev.quiver.storage.internal.space;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The threads that build vector graphs: each space's background indexer (a named virtual thread
 * that waits for work and hands each step of building to a platform thread) and the workers of a
 * batch's parallel inserts. The registry makes one for all its shards; a shard opened on its own
 * makes its own. Thread-safe.
 *
 * <p>The building itself never runs on a virtual thread: requests are served on virtual threads,
 * which share one carrier thread per core, and the JVM does not preempt a virtual thread that
 * computes, so indexers computing as virtual threads held every carrier as soon as there were as
 * many building spaces as cores, and requests waited for a batch to end. Three peers of one JVM on
 * two cores (one shard each, indexing on) took 5,018 points a second that way and 19,319 and 17,954
 * (two runs) with the steps on platform threads, which the kernel schedules beside the carriers.
 * The step threads are as many as the cores this node's builds may take (its {@code
 * optimizer_cpu_budget}), however many spaces build: a node holding dozens of shards does not run
 * dozens of builds against its requests; the spaces' steps take turns in arrival order. A thread
 * without work leaves after a minute. The step threads run at a lower kernel priority ({@link
 * BackgroundPriority}): requests' threads outweigh them about ten to one while both want the cores.
 *
 * <p>Parallel inserts run as a parallel stream from the inserting thread, which takes part in the
 * work beside the JVM's common pool. A pool of its own was measured and not kept: on minilm-384 a
 * dedicated pool of as many workers as cores built 14% faster but a worse graph, recall@10 at ef=16
 * 0.928-0.929 against 0.933-0.935 (two runs against seven, ef=64: 0.983 against 0.984), so the
 * graph's quality decides until the indexer is scheduled against requests.
 */
public final class IndexThreads {
  private final BooleanSupplier requestsRunning;
  private final int cores;
  private final ThreadPoolExecutor steps;

  /** Threads for a node that serves no requests (tools, tests, benchmarks): every core. */
  public IndexThreads() {
    this(() -> false);
  }

  /**
   * Threads whose background builds yield a core while {@code requestsRunning} says requests are
   * being served.
   */
  public IndexThreads(BooleanSupplier requestsRunning) {
    this(requestsRunning, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Threads as {@link #IndexThreads(BooleanSupplier)} gives, within Qdrant's {@code
   * optimizer_cpu_budget}: 0 is every core, a positive budget that many threads, a negative one the
   * cores less that many (at least one).
   */
  public static IndexThreads withBudget(BooleanSupplier requestsRunning, int cpuBudget) {
    return new IndexThreads(
        requestsRunning, budget(Runtime.getRuntime().availableProcessors(), cpuBudget));
  }

  /** The threads {@code cpuBudget} gives on a machine of {@code cores}. */
  static int budget(int cores, int cpuBudget) {
    if (cpuBudget > 0) {
      return cpuBudget;
    }
    return Math.max(1, cores + cpuBudget);
  }

  IndexThreads(BooleanSupplier requestsRunning, int cores) {
    this.requestsRunning = requestsRunning;
    this.cores = cores;
    this.steps =
        new ThreadPoolExecutor(
            cores,
            cores,
            1,
            TimeUnit.MINUTES,
            new LinkedBlockingQueue<>(),
            background(Thread.ofPlatform().daemon().name("hnsw-build-", 0).factory()));
    steps.allowCoreThreadTimeOut(true);
  }

  /**
   * Threads a background build takes now: {@code configured} when set (Qdrant's {@code
   * max_indexing_threads}, at most the cores); else every core while the node serves no request,
   * and every core but one while it does (at least one), as Qdrant's automatic budget leaves one to
   * requests. Asked again before every few dozen inserts, so a build yields within milliseconds of
   * requests arriving and takes the cores back when they stop.
   */
  int backgroundWorkers(int configured) {
    if (configured > 0) {
      return Math.min(configured, cores);
    }
    return requestsRunning.getAsBoolean() ? Math.max(1, cores - 1) : cores;
  }

  /**
   * Threads from {@code threads} that lower their own priority first (see {@link
   * BackgroundPriority}).
   */
  private static ThreadFactory background(ThreadFactory threads) {
    return work ->
        threads.newThread(
            () -> {
              BackgroundPriority.lowerCurrentThread();
              work.run();
            });
  }

  /** Threads a build the caller waits for takes: every core. */
  int allCores() {
    return cores;
  }

  /** Starts a space's background indexer. */
  Thread startIndexer(Runnable loop) {
    return Thread.ofVirtual().name("hnsw-indexer").start(loop);
  }

  /**
   * Runs one step of a background build on a platform thread and returns its result; the calling
   * indexer waits unmounted. A step that throws rethrows here.
   *
   * @throws InterruptedException if the indexer is interrupted while it waits (the step runs on)
   */
  <T> T step(Supplier<T> work) throws InterruptedException {
    Future<T> done = steps.submit(work::get);
    try {
      return done.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Runs {@code each} for every slot, in parallel, and returns when all are done. */
  void parallel(int[] slots, IntConsumer each) {
    Arrays.stream(slots).parallel().forEach(each);
  }
}
