package dev.quiver.storage.internal.space;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.PointId;
import dev.quiver.storage.internal.hnsw.HnswIndex;
import dev.quiver.storage.internal.vector.SlotTable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GraphIndexerTest {
  /** A graph that records what the indexer asks of it. */
  private static final class Recorded implements GraphIndexer.Graph {
    final List<Integer> inserted = new CopyOnWriteArrayList<>();
    final List<HnswIndex.Check> repairs = new CopyOnWriteArrayList<>();

    @Override
    public void insert(int slot) {
      inserted.add(slot);
    }

    @Override
    public boolean contains(int slot) {
      return inserted.contains(slot);
    }

    @Override
    public void repair(HnswIndex.Check when) {
      repairs.add(when);
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
  void aDrainEndsWithAFullReachabilityCheckAfterItsOtherWork() {
    Recorded graph = new Recorded();
    // below the threshold: no background indexing
    try (GraphIndexer indexer = indexer(graph, false)) {
      indexer.add(new int[] {0, 1, 2});
      assertThat(graph.repairs).isEmpty();
      indexer.drain(() -> assertThat(graph.repairs).isEmpty());
      assertThat(graph.repairs).containsExactly(HnswIndex.Check.ANY);
      assertThat(graph.inserted).containsExactlyInAnyOrder(0, 1, 2);
    }
  }

  @Test
  void theBackgroundIndexerAsksForACheckWhenItsQueueRunsDry() throws Exception {
    Recorded graph = new Recorded();
    try (GraphIndexer indexer = indexer(graph, true)) {
      indexer.add(new int[] {5, 6});
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (graph.repairs.isEmpty() && System.nanoTime() < end) {
        Thread.sleep(5);
      }
      assertThat(graph.inserted).containsExactlyInAnyOrder(5, 6);
      // the batch emptied the queue: the check for a graph at rest (the graph decides if due)
      assertThat(graph.repairs).first().isEqualTo(HnswIndex.Check.IDLE);
    }
  }
}
