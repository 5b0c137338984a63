package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resharding driver against real shards (three local shards of one collection, the first two
 * holding the points, the third added by a resharding up) and a metadata log kept here: a frozen
 * part whose peers do not answer is thawed, with the copies an earlier attempt left deleted, and a
 * part is not frozen while a peer is silent.
 */
class ResharderTest {
  private static final Duration FREEZE_WAIT = Duration.ofMillis(300);
  private static final int POINTS = 400;

  @TempDir Path dir;

  private CollectionRegistry registry;
  private Collection shards;
  private MetaStateMachine.Placement placement;
  private final Map<String, Wire.Resharding> recorded = new ConcurrentHashMap<>();
  private final List<Wire.MetaEntry> proposed = new CopyOnWriteArrayList<>();
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong ops = new AtomicLong();

  /** Which peers stay silent, given the resharding as recorded. */
  private volatile Predicate<Wire.Resharding> silent = r -> false;

  private ScheduledExecutorService timers;
  private ExecutorService workers;
  private Resharder resharder;

  @BeforeEach
  void open() {
    registry = Storage.open(dir.resolve("storage"));
    CollectionConfig config =
        new CollectionConfig(
                Map.of("", new VectorParams(2, Distance.DOT, null)),
                3,
                1,
                1,
                true,
                HnswConfig.DEFAULT,
                OptimizersConfig.DEFAULT,
                WalConfig.DEFAULT)
            .withRouting(PointRouting.JUMP);
    registry.apply(new CollectionMetaOp.Create("c", config), 1);
    registry.apply(new CollectionMetaOp.AddShard("c", 1), 2);
    registry.apply(new CollectionMetaOp.AddShard("c", 2), 3);
    shards = registry.require("c");
    placement =
        new MetaStateMachine.Placement(
            "c",
            config,
            List.of(List.of(1L), List.of(1L), List.of(1L)),
            Arrays.asList(null, null, null),
            1);
    // before the resharding: points routed among shards 0 and 1
    Map<Integer, List<Point>> byShard = new TreeMap<>();
    for (int i = 0; i < POINTS; i++) {
      PointId id = new PointId.Num(i);
      byShard
          .computeIfAbsent(PointRouting.JUMP.shardOf(id, 2), s -> new ArrayList<>())
          .add(point(i));
    }
    byShard.forEach((s, points) -> shards.writer(s).apply(ops.incrementAndGet(), upsert(points)));
    timers = Executors.newSingleThreadScheduledExecutor();
    workers = Executors.newFixedThreadPool(4);
    resharder =
        new Resharder(
            1,
            new Host(),
            timers,
            workers,
            Duration.ofHours(1), // run directly below, not by the periodic check
            Duration.ofSeconds(10),
            FREEZE_WAIT,
            System::nanoTime);
  }

  @AfterEach
  void close() throws Exception {
    resharder.close();
    timers.shutdownNow();
    workers.shutdownNow();
    registry.close();
  }

  private static Point point(int i) {
    return new Point(
        new PointId.Num(i),
        Map.of("", new float[] {1, i}),
        new Value.Struct(Map.of("n", new Value.Int(i))));
  }

  private static UpdateOp upsert(List<Point> points) {
    return new UpdateOp.Upsert(points);
  }

  /** Up from shards 0 and 1 to 0, 1 and 2, in two parts, driven by peer 1. */
  private static Wire.Resharding start() {
    return new Wire.Resharding(null, true, 2, 1, 1, Wire.ReshardStage.MIGRATING, 2, 0, false);
  }

  /** The metadata and shards the driver sees. */
  private final class Host implements Resharder.Host {
    @Override
    public Map<String, Wire.Resharding> recorded() {
      return Map.copyOf(recorded);
    }

    @Override
    public MetaStateMachine.Placement placement(String collection) {
      return placement;
    }

    @Override
    public Optional<Wire.Resharding> resharding(String collection) {
      return Optional.ofNullable(recorded.get(collection));
    }

    @Override
    public long applied() {
      return applied.get();
    }

    @Override
    public synchronized void propose(Wire.MetaEntry entry) {
      proposed.add(entry);
      switch (entry) {
        case Wire.ReshardingStage s ->
            recorded.put(s.collection(), Reshard.step(recorded.get(s.collection()), s));
        case Wire.EndResharding e -> recorded.remove(e.collection());
        default -> throw new IllegalArgumentException(entry.toString());
      }
      applied.incrementAndGet();
    }

    @Override
    public Set<Long> notPassed(long index) {
      Wire.Resharding r = recorded.get("c");
      return r != null && silent.test(r) ? Set.of(2L) : Set.of();
    }

    @Override
    public ShardReader reader(MetaStateMachine.Placement p, int shard) {
      return shards.reader(shard);
    }

    @Override
    public CompletableFuture<Void> submit(MetaStateMachine.Placement p, int shard, UpdateOp op) {
      synchronized (ResharderTest.this) {
        shards.writer(shard).apply(ops.incrementAndGet(), op);
      }
      return CompletableFuture.completedFuture(null);
    }
  }

  /** Where each point is held, by shard. */
  private Map<Integer, List<Integer>> holders() {
    Map<Integer, List<Integer>> out = new TreeMap<>();
    for (int s = 0; s < 3; s++) {
      for (PointRecord r :
          shards
              .reader(s)
              .scroll(null, null, 10_000, WithPayload.NONE, WithVectors.NONE)
              .points()) {
        out.computeIfAbsent((int) ((PointId.Num) r.id()).value(), k -> new ArrayList<>()).add(s);
      }
    }
    return out;
  }

  /** Runs the resharding to its end on another thread; true when it ended in time. */
  private boolean runToEnd() throws Exception {
    CompletableFuture<Void> run = CompletableFuture.runAsync(() -> resharder.run("c"));
    run.get(30, TimeUnit.SECONDS);
    return !recorded.containsKey("c");
  }

  private void assertEveryPointOnceInItsShard(Set<Integer> gone) {
    Map<Integer, List<Integer>> holders = holders();
    for (int i = 0; i < POINTS; i++) {
      if (gone.contains(i)) {
        assertThat(holders).as("point %d", i).doesNotContainKey(i);
      } else {
        assertThat(holders.get(i))
            .as("point %d", i)
            .containsExactly(PointRouting.JUMP.shardOf(new PointId.Num(i), 3));
      }
    }
  }

  @Test
  void withEveryPeerAnsweringThePointsMoveOnce() throws Exception {
    recorded.put("c", start());
    assertThat(runToEnd()).isTrue();
    assertEveryPointOnceInItsShard(Set.of());
    assertThat(proposed)
        .containsExactly(
            new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 0, true),
            new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 1, false),
            new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 1, true),
            new Wire.ReshardingStage("c", Wire.ReshardStage.SWITCHED),
            new Wire.EndResharding("c"));
  }

  @Test
  void aPartIsNotFrozenWhileAPeerIsSilent() throws Exception {
    recorded.put("c", start());
    silent = r -> true;
    CompletableFuture<Void> run = CompletableFuture.runAsync(() -> resharder.run("c"));
    Thread.sleep(3 * FREEZE_WAIT.toMillis());
    assertThat(proposed).as("nothing frozen while peer 2 is silent").isEmpty();
    silent = r -> false;
    run.get(30, TimeUnit.SECONDS);
    assertThat(recorded).isEmpty();
    assertEveryPointOnceInItsShard(Set.of());
  }

  @Test
  void aFrozenPartWhosePeerFallsSilentIsThawedAndItsStaleCopiesDeleted() throws Exception {
    // part 0 frozen, and copies of two of its moving points already in the new shard, left by an
    // earlier attempt; since then one of them was deleted from its shard
    Wire.Resharding frozen = start().at(Wire.ReshardStage.MIGRATING, 0, true);
    recorded.put("c", frozen);
    List<Integer> moving = new ArrayList<>();
    for (int i = 0; i < POINTS && moving.size() < 2; i++) {
      PointId id = new PointId.Num(i);
      if (PointRouting.partOf(id, 2) == 0 && PointRouting.JUMP.shardOf(id, 3) == 2) {
        moving.add(i);
      }
    }
    assertThat(moving).hasSize(2);
    shards.writer(2).apply(ops.incrementAndGet(), upsert(List.of(point(moving.get(0)))));
    shards.writer(2).apply(ops.incrementAndGet(), upsert(List.of(point(moving.get(1)))));
    int deleted = moving.get(1);
    int from = PointRouting.JUMP.shardOf(new PointId.Num(deleted), 2);
    shards
        .writer(from)
        .apply(ops.incrementAndGet(), new UpdateOp.DeletePoints(List.of(new PointId.Num(deleted))));
    // peer 2 is silent until the driver has proposed something (the thaw, it turns out)
    silent = r -> proposed.isEmpty();
    assertThat(runToEnd()).isTrue();
    assertThat(proposed.get(0))
        .as("thawed first")
        .isEqualTo(new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 0, false));
    assertThat(recorded).isEmpty();
    // the deleted point did not come back from its stale copy
    assertEveryPointOnceInItsShard(Set.of(deleted));
  }
}
