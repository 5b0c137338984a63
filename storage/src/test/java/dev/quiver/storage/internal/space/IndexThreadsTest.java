package dev.quiver.storage.internal.space;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

  /**
   * Indexers are virtual threads, as requests are; their building steps run on platform threads, so
   * computing indexers, one per carrier and more, leave the carriers to requests. Each step here
   * computes until a request (a virtual thread started after them) has run, or for at most 20 s:
   * run on the carriers, the steps would hold every one and the request could not start before they
   * gave up.
   */
  @Test
  void indexersComputingOnEveryCarrierLeaveRoomForRequests() throws Exception {
    int indexers = Runtime.getRuntime().availableProcessors() + 1;
    IndexThreads threads = new IndexThreads(() -> true, indexers); // a step thread for each
    AtomicBoolean requestRan = new AtomicBoolean();
    AtomicInteger gaveUp = new AtomicInteger();
    AtomicInteger platformSteps = new AtomicInteger();
    CountDownLatch computing = new CountDownLatch(indexers);
    List<Thread> started = new ArrayList<>();
    for (int i = 0; i < indexers; i++) {
      started.add(
          threads.startIndexer(
              () -> {
                try {
                  boolean onPlatform =
                      threads.step(
                          () -> {
                            computing.countDown();
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                            long spins = 0;
                            while (!requestRan.get()) {
                              spins++;
                              if ((spins & 0xFFFF) == 0 && System.nanoTime() > deadline) {
                                gaveUp.incrementAndGet();
                                break;
                              }
                            }
                            return !Thread.currentThread().isVirtual();
                          });
                  if (onPlatform) {
                    platformSteps.incrementAndGet();
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }));
    }
    assertThat(computing.await(20, TimeUnit.SECONDS)).isTrue();
    Thread request = Thread.ofVirtual().start(() -> requestRan.set(true));
    request.join();
    for (Thread t : started) {
      t.join();
    }
    assertThat(requestRan).isTrue();
    assertThat(gaveUp).as("steps that computed until their deadline").hasValue(0);
    assertThat(platformSteps).as("steps run on platform threads").hasValue(indexers);
  }

  /**
   * However many spaces build, at most as many steps run at once as the builds' cores: the others
   * wait their turn, and every one runs.
   */
  @Test
  void atMostTheBudgetsStepsRunAtOnce() throws Exception {
    IndexThreads threads = new IndexThreads(() -> true, 2);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    List<Thread> indexers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      indexers.add(
          threads.startIndexer(
              () -> {
                try {
                  threads.step(
                      () -> {
                        most.accumulateAndGet(running.incrementAndGet(), Math::max);
                        try {
                          Thread.sleep(50);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        running.decrementAndGet();
                        return ran.incrementAndGet();
                      });
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }));
    }
    for (Thread t : indexers) {
      t.join();
    }
    assertThat(ran).hasValue(6);
    assertThat(most.get()).isBetween(1, 2);
  }
}
