package dev.quiver.storage.internal.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class IndexThreadsTest {
  @Test
  void aBuildTakesEveryCoreWhenIdleAndLeavesOneToRequests() {
    AtomicBoolean busy = new AtomicBoolean();
    IndexThreads four = new IndexThreads(busy::get, 4);
    assertThat(four.backgroundWorkers(0)).isEqualTo(4);
    busy.set(true);
    assertThat(four.backgroundWorkers(0)).isEqualTo(3);
    busy.set(false);
    assertThat(four.backgroundWorkers(0)).as("the cores come back").isEqualTo(4);
    IndexThreads one = new IndexThreads(() -> true, 1);
    assertThat(one.backgroundWorkers(0)).as("at least one").isEqualTo(1);
  }

  @Test
  void maxIndexingThreadsDecidesWhenSet() {
    IndexThreads four = new IndexThreads(() -> true, 4);
    assertThat(four.backgroundWorkers(2)).isEqualTo(2);
    assertThat(four.backgroundWorkers(16)).as("at most the cores").isEqualTo(4);
    assertThat(four.allCores()).isEqualTo(4);
  }

  @Test
  void theCpuBudgetSetsTheThreadsABuildMayTake() {
    assertThat(IndexThreads.budget(8, 0)).as("0: every core").isEqualTo(8);
    assertThat(IndexThreads.budget(8, 3)).as("positive: that many").isEqualTo(3);
    assertThat(IndexThreads.budget(8, -2)).as("negative: the cores less that many").isEqualTo(6);
    assertThat(IndexThreads.budget(2, -5)).as("at least one").isEqualTo(1);
    IndexThreads budgeted = new IndexThreads(() -> false, IndexThreads.budget(8, -2));
    assertThat(budgeted.backgroundWorkers(0)).isEqualTo(6);
  }
}
