package dev.quiver.storage.internal.space;

import dev.quiver.storage.PointId;
import dev.quiver.storage.internal.hnsw.HnswIndex;
import dev.quiver.storage.internal.vector.SlotSet;
import dev.quiver.storage.internal.vector.SlotTable;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * A space's background graph building: the slots appended but not yet in the graph, which searches
 * scan meanwhile, and the indexer thread that moves them in batch by batch, on as many threads as
 * requests leave ({@link IndexThreads}). So a write never waits for graph building, as in Qdrant,
 * where {@code wait=true} means applied and searchable, not indexed: until the indexer reaches
 * them, searches find the slots by scanning, and the collection reports itself optimizing (yellow).
 * A sustained write rate above the build rate grows the scanned tail, and searches slow down with
 * it until the indexer catches up. The space says when indexing is due and runs its own background
 * chores (quantizer training, vacuum) in the same thread, before each batch. Thread-safe.
 */
final class GraphIndexer implements AutoCloseable {
  private static final int INDEX_BATCH = 512;
  private static final int PARALLEL_BATCH = 64;

  private final Graph graph;
  private final SlotTable<PointId> owners;
  private final IndexThreads threads;
  private final BooleanSupplier indexing;
  private final IntSupplier maxIndexingThreads;
  private final BooleanSupplier chore;
  private final IntConsumer dropped;

  /** Appended slots not yet in the graph; searches scan them, the indexer drains them. */
  private final SlotSet pending = new SlotSet();

  /**
   * Held while slots move from {@link #pending} into the graph (indexer or a drain) and while the
   * space rewrites or writes the graph. Fair: the indexer takes it batch after batch, and a
   * checkpoint writing the graph (while the shard's writes wait for it) must not wait behind all of
   * them.
   */
  final ReentrantLock lock = new ReentrantLock(true);

  private final Object wakeUp = new Object();
  private Thread indexer; // guarded by wakeUp
  private volatile boolean closed;

  /** Drains in progress: the background indexer leaves the lock to them. */
  private final AtomicInteger draining = new AtomicInteger();

  /**
   * What the indexer builds: inserting a slot (into one graph or several), whether a slot is in it
   * (then its vector can only leave through a vacuum), and the reachability repair after inserts
   * ({@link HnswIndex#repair}).
   */
  interface Graph {
    void insert(int slot);

    boolean contains(int slot);

    void repair(HnswIndex.Check when);

    static Graph of(HnswIndex index) {
      return new Graph() {
        @Override
        public void insert(int slot) {
          index.insert(slot);
        }

        @Override
        public boolean contains(int slot) {
          return index.contains(slot);
        }

        @Override
        public void repair(HnswIndex.Check when) {
          index.repair(when);
        }
      };
    }
  }

  /**
   * @param owners the point owning each slot (null: none, the slot's vector is gone)
   * @param indexing whether the graph is being built now (its threshold is passed)
   * @param maxIndexingThreads Qdrant's {@code max_indexing_threads} (0: automatic)
   * @param chore runs one piece of the space's other background work, if any is due; true if it ran
   *     one
   * @param dropped takes a pending slot whose point went before it reached the graph (free for the
   *     space to reuse)
   */
  GraphIndexer(
      Graph graph,
      SlotTable<PointId> owners,
      IndexThreads threads,
      BooleanSupplier indexing,
      IntSupplier maxIndexingThreads,
      BooleanSupplier chore,
      IntConsumer dropped) {
    this.graph = graph;
    this.owners = owners;
    this.threads = threads;
    this.indexing = indexing;
    this.maxIndexingThreads = maxIndexingThreads;
    this.chore = chore;
    this.dropped = dropped;
  }

  private boolean owned(int slot) {
    return owners.get(slot) != null;
  }

  /** Queues appended slots for the graph; the indexer starts if indexing is due. */
  void add(int[] slots) {
    for (int s : slots) {
      pending.add(s);
    }
    if (indexing.getAsBoolean()) {
      wake(); // else searched by scanning until the threshold is passed
    }
  }

  /** Queues a slot restored from a checkpoint without its graph node; no indexer starts yet. */
  void restore(int slot) {
    pending.add(slot);
  }

  /** Starts the indexer if it is not running, and wakes it: there may be work. */
  void wake() {
    synchronized (wakeUp) {
      if (indexer == null && !closed) {
        indexer = threads.startIndexer(this::loop);
      }
      wakeUp.notifyAll();
    }
  }

  private void loop() {
    while (!closed) {
      boolean idle;
      try {
        idle = threads.step(this::step);
      } catch (InterruptedException e) {
        return;
      }
      if (idle) {
        synchronized (wakeUp) {
          try {
            wakeUp.wait(1000);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }
  }

  /**
   * One step of the background build (on a platform thread, see {@link IndexThreads}): a chore of
   * the space, or a batch into the graph and a reachability check; true when there was nothing to
   * do.
   */
  private boolean step() {
    if (chore.getAsBoolean()) {
      return false;
    }
    if (pending.isEmpty() || !indexing.getAsBoolean() || draining.get() > 0) {
      return true;
    }
    batch(0); // as many threads as requests leave, asked part by part
    // a check while the graph grows, and one when the queue has run dry, so that the last
    // nodes of a load are checked too
    repair(pending.isEmpty() ? HnswIndex.Check.IDLE : HnswIndex.Check.GROWN);
    return false;
  }

  /** Links the nodes the graph's walks no longer reach, if a check is due {@code when}. */
  private void repair(HnswIndex.Check when) {
    lock.lock();
    try {
      graph.repair(when);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Threads the background indexer builds with now (see {@link IndexThreads#backgroundWorkers}).
   * One means a sequential build; more, a parallel one through {@link IndexThreads}.
   */
  int backgroundThreads() {
    return threads.backgroundWorkers(maxIndexingThreads.getAsInt());
  }

  /**
   * Moves up to one batch of pending slots into the graph, on up to {@code workers} threads, or on
   * as many as {@link #backgroundThreads()} says before each part when {@code workers} is 0.
   */
  private void batch(int workers) {
    IntSupplier background = workers > 0 ? () -> workers : this::backgroundThreads;
    lock.lock();
    try {
      int[] batch = pending.first(INDEX_BATCH);
      // a vector deleted before its turn never enters the graph: its slot is free at once
      int[] live = Arrays.stream(batch).filter(this::owned).toArray();
      insert(live, background);
      for (int s : batch) {
        pending.remove(s); // only now: until inserted, searches must still scan it
      }
      if (live.length < batch.length) {
        Set<Integer> inserted = new HashSet<>();
        for (int s : live) {
          inserted.add(s);
        }
        for (int s : batch) {
          if (!inserted.contains(s) && !owned(s) && !graph.contains(s)) {
            dropped.accept(s);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Inserts {@code slots} into the graph, concurrently when {@code workers} allows more than one
   * (the graph takes concurrent inserts), through {@link IndexThreads#parallel}.
   */
  private void insert(int[] slots, IntSupplier workers) {
    run(slots, graph::insert, workers);
  }

  /**
   * Runs {@code each} (an insert into a graph that takes concurrent inserts) for every slot, on up
   * to {@code workers} threads.
   */
  void run(int[] slots, IntConsumer each, IntSupplier workers) {
    for (int from = 0; from < slots.length; from += PARALLEL_BATCH) {
      int[] part = Arrays.copyOfRange(slots, from, Math.min(slots.length, from + PARALLEL_BATCH));
      if (workers.getAsInt() <= 1 || part.length < PARALLEL_BATCH) {
        for (int s : part) {
          each.accept(s);
        }
      } else {
        threads.parallel(part, each);
      }
    }
  }

  /** The threads a drain builds with. */
  int allCores() {
    return threads.allCores();
  }

  /**
   * Indexes everything pending now, whatever the threshold, on every core, then runs {@code after}
   * (still ahead of the background indexer): the caller is waiting for it.
   */
  void drain(Runnable after) {
    draining.incrementAndGet(); // the background indexer steps aside meanwhile
    try {
      while (!pending.isEmpty()) {
        batch(threads.allCores());
      }
      after.run(); // (tenant links made again first: the check leaves their stale slots alone)
      repair(HnswIndex.Check.ANY);
    } finally {
      draining.decrementAndGet();
    }
  }

  /** Slots appended but not yet in the graph. */
  int pendingCount() {
    return pending.size();
  }

  boolean isPending(int slot) {
    return pending.contains(slot);
  }

  /** Calls {@code each} with every pending slot, ascending. */
  void forEachPending(IntConsumer each) {
    for (int slot = pending.next(0); slot >= 0; slot = pending.next(slot + 1)) {
      each.accept(slot);
    }
  }

  /**
   * Takes {@code slot} (whose point is gone) off the queue if it has not reached the graph and the
   * indexer is not inserting right now; true if so. Callers holding {@link #lock} may call it too.
   */
  boolean withdraw(int slot) {
    if (graph.contains(slot) || !lock.tryLock()) {
      return false;
    }
    try {
      return !graph.contains(slot) && pending.remove(slot);
    } finally {
      lock.unlock();
    }
  }

  /** Stops the indexer thread (waiting up to 30 s for its batch); nothing is queued after. */
  @Override
  public void close() {
    closed = true;
    Thread t;
    synchronized (wakeUp) {
      t = indexer;
      wakeUp.notifyAll();
    }
    if (t != null) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
