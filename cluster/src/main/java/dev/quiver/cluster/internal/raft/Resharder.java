package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs the reshardings this peer drives, stage by stage, each step safe to repeat (after a failure
 * or a restart the resharding resumes from its recorded stage):
 *
 * <ol>
 *   <li>{@code MIGRATING}, one part at a time: once every peer answers, the part is frozen (writes
 *       touching its moving points wait); once every peer has routed by that (and none of its
 *       writes routed before is still in flight: {@link ReshardGate}), the part's points that
 *       change shard are copied, whole, from a linearizable read of their shard to their new one,
 *       from every source shard at once; then the part is marked moved (its points live in their
 *       new shard from there on) and, after a short pause that lets held writes through, the next
 *       part is frozen. The last part moves by the switch to {@code SWITCHED}. Reads see a shard's
 *       own points only, so a copy is not seen twice. A frozen part whose peers do not all answer
 *       in time is thawed (its writes go on) and frozen again once they do.
 *   <li>{@code SWITCHED}: once every peer routes by the new layout, each shard of the new group
 *       deletes the points that are no longer its own; the resharding ends (a removed shard is
 *       dropped).
 *   <li>{@code ABORTING}: once every peer routes by the old layout again, each shard of the old
 *       group deletes the copies it received; the resharding ends (an added shard is dropped).
 * </ol>
 *
 * Copies and deletions are all made from the thread that runs the resharding (the copies of a part
 * from one task per source, all awaited), so a deletion always follows the copies it undoes.
 * Thread-safe.
 */
final class Resharder implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Resharder.class);

  /** Points per copied page. */
  static final int PAGE = 512;

  /** What the resharder needs of the node. */
  interface Host {
    /** The running reshardings as applied here, by collection. */
    Map<String, Wire.Resharding> recorded();

    MetaStateMachine.Placement placement(String collection);

    Optional<Wire.Resharding> resharding(String collection);

    /** The index of the last metadata entry applied here. */
    long applied();

    void propose(Wire.MetaEntry entry);

    /** The peers that have not answered that they passed metadata {@code index}. */
    Set<Long> notPassed(long index);

    /** A linearizable reader of {@code shard}. */
    ShardReader reader(MetaStateMachine.Placement p, int shard);

    /** Submits {@code op} to {@code shard}'s group; completes when applied. */
    CompletableFuture<Void> submit(MetaStateMachine.Placement p, int shard, UpdateOp op);
  }

  private final long self;
  private final Host host;
  private final ExecutorService workers;
  private final Duration timeout;
  private final Duration freezeWait;
  private final LongSupplier nanoClock;
  private final RetriedTasks<String> tasks;
  private final ScheduledFuture<?> checks;

  /**
   * @param timeout how long one write of a copied page may take
   * @param freezeWait how long a frozen part waits for every peer to answer before it is thawed
   * @param every how often the recorded reshardings are looked at
   */
  Resharder(
      long self,
      Host host,
      ScheduledExecutorService timers,
      ExecutorService workers,
      Duration every,
      Duration timeout,
      Duration freezeWait,
      LongSupplier nanoClock) {
    this.self = self;
    this.host = host;
    this.workers = workers;
    this.timeout = timeout;
    this.freezeWait = freezeWait;
    this.nanoClock = nanoClock;
    this.tasks =
        new RetriedTasks<>(
            workers,
            nanoClock,
            ShardTransfers.RETRY_AFTER,
            (collection, e) ->
                LOG.warn(
                    "resharding of {} did not go on, tried again later: {}",
                    collection,
                    e.toString()));
    this.checks =
        timers.scheduleWithFixedDelay(
            this::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts each resharding this peer drives that is not running here. */
  void check() {
    try {
      host.recorded()
          .forEach(
              (collection, r) -> {
                if (r.driver() == self) {
                  tasks.start(collection, () -> run(collection));
                }
              });
      tasks.retain(host.recorded().keySet());
    } catch (RuntimeException e) {
      LOG.warn("cannot look at the reshardings: {}", e.toString());
    }
  }

  /** Takes the collection's resharding through its stages until it ends. */
  void run(String collection) {
    while (true) {
      Wire.Resharding r = host.resharding(collection).orElse(null);
      if (r == null || r.driver() != self) {
        return;
      }
      MetaStateMachine.Placement p = host.placement(collection);
      ShardLayout full = p.layout();
      if (r.stage() == Wire.ReshardStage.MIGRATING && !r.frozen()) {
        if (r.done() > 0) {
          sleep(GAP_MILLIS); // writes held by the part before (by filter, say) go through now
        }
        // frozen only with every peer answering: a part frozen while a peer is down would hold
        // the writes to its points until the peer is back; unfrozen, they go on meanwhile
        if (awaitPeers(collection, r, null) == null) {
          continue; // the stage changed while waiting
        }
        step(collection, new Wire.ReshardingStage(collection, r.stage(), r.done(), true));
        continue;
      }
      Set<Long> silent =
          awaitPeers(collection, r, r.stage() == Wire.ReshardStage.MIGRATING ? freezeWait : null);
      if (silent == null) {
        continue; // the stage changed while waiting
      }
      if (!silent.isEmpty()) {
        thaw(collection, p, full, r, silent);
        continue;
      }
      switch (r.stage()) {
        case MIGRATING -> {
          long copied = copy(collection, p, full, r);
          if (copied < 0) {
            continue; // aborted while copying
          }
          LOG.info(
              "resharding of {}: {} points of part {} of {} copied to their new shards",
              collection,
              copied,
              r.done() + 1,
              r.parts());
          step(
              collection,
              r.done() + 1 < r.parts()
                  ? new Wire.ReshardingStage(collection, r.stage(), r.done() + 1, false)
                  : new Wire.ReshardingStage(collection, Wire.ReshardStage.SWITCHED));
        }
        case SWITCHED -> {
          deleteForeign(p, full, Reshard.after(full, r));
          host.propose(new Wire.EndResharding(collection));
        }
        case ABORTING -> {
          deleteForeign(p, full, Reshard.before(full, r));
          host.propose(new Wire.EndResharding(collection));
        }
      }
    }
  }

  /** Proposes the next stage; one refused (an abort came first) is logged, and the loop goes on. */
  private void step(String collection, Wire.ReshardingStage next) {
    try {
      host.propose(next);
    } catch (StorageException.BadRequest refused) {
      LOG.info("resharding of {}: {}", collection, refused.getMessage());
    }
  }

  /** The pause between one part's move and the next part's freeze. */
  static final long GAP_MILLIS = 200;

  /**
   * Waits until every peer has passed the metadata this peer applied (so every peer routes by
   * {@code r}'s stage, and nothing routed before is in flight): returns no peers then, the peers
   * still silent once {@code limit} (null: none) has passed, or null when the stage changed
   * meanwhile.
   */
  private Set<Long> awaitPeers(String collection, Wire.Resharding r, Duration limit) {
    long index = host.applied();
    long since = nanoClock.getAsLong();
    long loggedAt = since;
    while (true) {
      Set<Long> waiting = host.notPassed(index);
      if (waiting.isEmpty()) {
        return waiting;
      }
      if (!host.resharding(collection).equals(Optional.of(r))) {
        return null;
      }
      long now = nanoClock.getAsLong();
      if (limit != null && now - since > limit.toNanos()) {
        return waiting;
      }
      if (now - loggedAt > Duration.ofSeconds(30).toNanos()) {
        LOG.warn(
            "resharding of {} waits for peers {} to route by its stage {}",
            collection,
            waiting,
            r.stage());
        loggedAt = now;
      }
      sleep(PEER_POLL_MILLIS);
    }
  }

  /**
   * A peer did not answer while part {@code r.done()} was frozen (it may be down): rather than hold
   * the writes to the part's points until it is back, the part is thawed, to be frozen again once
   * every peer answers. Copies of the part's points made by an earlier attempt are deleted first
   * (while writes to them are still held): a write let through now would leave them stale, and a
   * stale copy must not become the point when the part moves.
   */
  private void thaw(
      String collection,
      MetaStateMachine.Placement p,
      ShardLayout full,
      Wire.Resharding r,
      Set<Long> silent) {
    LOG.warn(
        "resharding of {}: peers {} did not answer within {} s with part {} of {} frozen; the part"
            + " is thawed (writes to its points go on) and frozen again once every peer answers",
        collection,
        silent,
        freezeWait.toSeconds(),
        r.done() + 1,
        r.parts());
    List<Integer> before = Reshard.before(full, r);
    List<Integer> after = Reshard.after(full, r);
    List<CompletableFuture<Void>> deletes = new ArrayList<>();
    for (int target : after) {
      // in each shard of the new group, the part's points it does not own by the old layout
      int owned = before.indexOf(target);
      Filter copies =
          new Filter(
              List.of(new Condition.InPart(r.parts(), r.done(), r.done() + 1)),
              List.of(),
              owned < 0
                  ? List.of()
                  : List.of(new Condition.InShard(full.routing(), before.size(), owned)),
              null);
      deletes.add(host.submit(p, target, new UpdateOp.DeleteByFilter(copies)));
    }
    for (CompletableFuture<Void> d : deletes) {
      Replies.awaitApplied(d, timeout);
    }
    step(collection, new Wire.ReshardingStage(collection, r.stage(), r.done(), false));
  }

  private static final long PEER_POLL_MILLIS = 100;

  /**
   * Copies each point of the frozen part that changes shard to its new shard; returns how many, or
   * -1 when the resharding took another step meanwhile (an abort).
   */
  private long copy(
      String collection, MetaStateMachine.Placement p, ShardLayout full, Wire.Resharding r) {
    List<Integer> before = Reshard.before(full, r);
    List<Integer> after = Reshard.after(full, r);
    // the sources in parallel (each reads one shard and writes to the others)
    List<CompletableFuture<Long>> sources = new ArrayList<>();
    for (int i = 0; i < before.size(); i++) {
      int at = i;
      sources.add(
          CompletableFuture.supplyAsync(
              () -> copyFrom(collection, p, full, r, before, after, at), workers));
    }
    long copied = 0;
    for (CompletableFuture<Long> source : sources) {
      long n;
      try {
        n = source.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException re ? re : e;
      }
      if (n < 0) {
        copied = -1;
      } else if (copied >= 0) {
        copied += n;
      }
    }
    return copied;
  }

  /**
   * Copies the points of the frozen part in {@code before.get(at)} that change shard, a page at a
   * time, with up to {@link #WRITES_IN_FLIGHT} pages written at once; returns how many, or -1 when
   * the resharding took another step meanwhile.
   */
  private long copyFrom(
      String collection,
      MetaStateMachine.Placement p,
      ShardLayout full,
      Wire.Resharding r,
      List<Integer> before,
      List<Integer> after,
      int at) {
    int source = before.get(at);
    List<Condition> mustNot = new ArrayList<>();
    int stays = after.indexOf(source);
    if (stays >= 0) {
      mustNot.add(new Condition.InShard(full.routing(), after.size(), stays));
    }
    Filter leaving =
        new Filter(
            List.of(
                new Condition.InShard(full.routing(), before.size(), at),
                new Condition.InPart(r.parts(), r.done(), r.done() + 1)),
            List.of(),
            mustNot,
            null);
    ShardReader reader = host.reader(p, source);
    Deque<CompletableFuture<Void>> writing = new ArrayDeque<>();
    long copied = 0;
    PointId offset = null;
    do {
      if (!host.resharding(collection).map(r::equals).orElse(false)) {
        awaitAll(writing);
        return -1;
      }
      ScrollPage page = reader.scroll(leaving, offset, PAGE, WithPayload.ALL, WithVectors.ALL);
      Map<Integer, List<Point>> byTarget = new TreeMap<>();
      for (PointRecord rec : page.points()) {
        byTarget
            .computeIfAbsent(Reshard.owner(full.routing(), after, rec.id()), k -> new ArrayList<>())
            .add(rec.asPoint());
      }
      byTarget.forEach(
          (target, points) -> writing.add(host.submit(p, target, new UpdateOp.Upsert(points))));
      while (writing.size() > WRITES_IN_FLIGHT) {
        Replies.awaitApplied(writing.poll(), timeout);
      }
      copied += page.points().size();
      offset = page.nextOffset();
    } while (offset != null);
    awaitAll(writing);
    return copied;
  }

  private void awaitAll(Deque<CompletableFuture<Void>> writing) {
    while (!writing.isEmpty()) {
      Replies.awaitApplied(writing.poll(), timeout);
    }
  }

  /** Copied pages a source has being written at once. */
  static final int WRITES_IN_FLIGHT = 4;

  /** Each shard of {@code group} deletes the points that do not route to it within the group. */
  private void deleteForeign(MetaStateMachine.Placement p, ShardLayout full, List<Integer> group) {
    List<CompletableFuture<Void>> deletes = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) {
      Filter foreign =
          new Filter(
              List.of(),
              List.of(),
              List.of(new Condition.InShard(full.routing(), group.size(), i)),
              null);
      deletes.add(host.submit(p, group.get(i), new UpdateOp.DeleteByFilter(foreign)));
    }
    for (CompletableFuture<Void> d : deletes) {
      Replies.awaitApplied(d, timeout);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Unavailable("interrupted", e);
    }
  }

  @Override
  public void close() {
    checks.cancel(false);
  }
}
