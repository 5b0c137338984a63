package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.Storage;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No snapshot of a collection is taken while it is resharded, nor kept if a step came meanwhile.
 */
class ClusterSnapshotsTest {
  @TempDir Path dir;

  private CollectionRegistry registry;
  private SnapshotStore store;
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicLong> changes = new ConcurrentHashMap<>();
  private final AtomicLong allChanges = new AtomicLong();

  /** A resharding step applied between the count read first and the archive (null: none). */
  private volatile String stepDuringSnapshot;

  private ClusterSnapshots snapshots;

  @BeforeEach
  void open() {
    registry = Storage.open(dir.resolve("storage"));
    store = new SnapshotStore(dir.resolve("snapshots"), registry);
    CollectionConfig config =
        new CollectionConfig(
            Map.of("", new VectorParams(4, Distance.COSINE, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 64, 10_000, 0, false),
            OptimizersConfig.DEFAULT,
            WalConfig.DEFAULT);
    long index = 0;
    for (String c : List.of("c", "d")) {
      registry.apply(new CollectionMetaOp.Create(c, config), ++index);
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        points.add(
            new Point(
                new PointId.Num(i),
                Map.of("", new float[] {1, i, 0, 0}),
                new Value.Struct(Map.of())));
      }
      registry.require(c).writer().apply(1, new UpdateOp.Upsert(points));
    }
    snapshots =
        new ClusterSnapshots(
            store,
            null,
            null,
            new ClusterSnapshots.Reshardings() {
              @Override
              public Set<String> running() {
                String step = stepDuringSnapshot;
                if (step != null) { // asked after the first count and before the archive
                  step(step);
                }
                return Set.copyOf(running);
              }

              @Override
              public long changes(String collection) {
                if (collection == null) {
                  return allChanges.get();
                }
                AtomicLong n = changes.get(collection);
                return n == null ? 0 : n.get();
              }
            });
  }

  @AfterEach
  void close() throws Exception {
    registry.close();
  }

  private void step(String collection) {
    changes.computeIfAbsent(collection, c -> new AtomicLong()).incrementAndGet();
    allChanges.incrementAndGet();
  }

  @Test
  void aCollectionBeingReshardedIsNotSnapshotted() throws Exception {
    running.add("c");
    step("c");
    List<Function<ClusterSnapshots, Object>> takes =
        List.of(s -> s.create("c"), s -> s.createShard("c", 0), s -> s.streamShard("c", 0));
    for (Function<ClusterSnapshots, Object> take : takes) {
      assertThatThrownBy(() -> take.apply(snapshots))
          .isInstanceOf(StorageException.BadRequest.class)
          .hasMessageStartingWith("Collection c is being resharded");
    }
    assertThatThrownBy(snapshots::createFull)
        .isInstanceOf(StorageException.BadRequest.class)
        .hasMessageStartingWith("Collection c is being resharded");
    assertThat(store.list("c")).isEmpty();
    assertThat(store.listShard("c", 0)).isEmpty();
    assertThat(store.listFull()).isEmpty();
    // another collection is snapshotted meanwhile
    assertThat(snapshots.create("d").size()).isPositive();

    running.remove("c"); // ended
    assertThat(snapshots.create("c").size()).isPositive();
    assertThat(snapshots.createFull().size()).isPositive();
  }

  @Test
  void aResharderStepAppliedWhileTheSnapshotIsTakenDiscardsIt() throws Exception {
    stepDuringSnapshot = "c";
    assertThatThrownBy(() -> snapshots.create("c"))
        .isInstanceOf(StorageException.BadRequest.class)
        .hasMessageStartingWith("Collection c is being resharded");
    assertThatThrownBy(() -> snapshots.createShard("c", 0))
        .isInstanceOf(StorageException.BadRequest.class);
    assertThatThrownBy(snapshots::createFull)
        .isInstanceOf(StorageException.BadRequest.class)
        .hasMessageStartingWith("A collection was resharded while the full snapshot was taken");
    assertThat(store.list("c")).as("discarded").isEmpty();
    assertThat(store.listShard("c", 0)).isEmpty();
    assertThat(store.listFull()).isEmpty();
    // a step of another collection does not touch this one's snapshot
    assertThat(snapshots.create("d").size()).isPositive();
    assertThat(store.list("d")).hasSize(1);
  }
}
