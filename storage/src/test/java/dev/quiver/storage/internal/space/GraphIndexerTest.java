package dev.quiver.storage.internal.space;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.PointId;
import dev.quiver.storage.internal.vector.SlotTable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GraphIndexerTest {
  /** A graph that records what the indexer asks of it. */
  private static final class Recorded implements GraphIndexer.Graph {
    final List<Integer> inserted = new CopyOnWriteArrayList<>();
    final List<Boolean> repairs = new CopyOnWriteArrayList<>();

    @Override
    public void insert(int slot) {
      inserted.add(slot);
    }

    @Override
    public boolean contains(int slot) {
      return inserted.contains(slot);
    }

    @Override
    public void repair(boolean all) {
      repairs.add(all);
    }
  }

  private static SlotTable<PointId> owning(int slots) {
    SlotTable<PointId> owners = new SlotTable<>();
    for (int s = 0; s < slots; s++) {
      owners.set(s, PointId.of(s));
    }
    return owners;
  }

  /** An indexer of {@code graph} over 100 owned slots, indexing in the background if asked. */
  private static GraphIndexer indexer(Recorded graph, boolean background) {
    return new GraphIndexer(
        graph,
        owning(100),
        new IndexThreads(() -> false, 1),
        () -> background,
        () -> 0,
        () -> false,
        slot -> {});
  }

  @Test
  void aDrainEndsWithAFullReachabilityCheck() {
    Recorded graph = new Recorded();
    // below the threshold: no background indexing
    try (GraphIndexer indexer = indexer(graph, false)) {
      indexer.add(new int[] {0, 1, 2});
      assertThat(graph.repairs).isEmpty();
      indexer.drain(() -> assertThat(graph.repairs).containsExactly(true));
      assertThat(graph.inserted).containsExactlyInAnyOrder(0, 1, 2);
    }
  }

  @Test
  void theBackgroundIndexerAsksForACheckAfterEachBatch() throws Exception {
    Recorded graph = new Recorded();
    try (GraphIndexer indexer = indexer(graph, true)) {
      indexer.add(new int[] {5, 6});
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (graph.repairs.isEmpty() && System.nanoTime() < end) {
        Thread.sleep(5);
      }
      assertThat(graph.inserted).containsExactlyInAnyOrder(5, 6);
      // when due: the graph decides (a quarter more nodes since its last check)
      assertThat(graph.repairs).first().isEqualTo(false);
    }
  }
}
