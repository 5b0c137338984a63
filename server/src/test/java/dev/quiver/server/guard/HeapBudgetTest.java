package dev.quiver.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class HeapBudgetTest {
  @Test
  void reservationsShareTheCapacityAndGiveItBackOnce() {
    HeapBudget budget = new HeapBudget(1000);
    HeapBudget.Reservation a = budget.tryReserve(600);
    assertThat(a).isNotNull();
    assertThat(budget.tryReserve(500)).isNull();
    HeapBudget.Reservation b = budget.tryReserve(400);
    assertThat(b).isNotNull();
    assertThat(budget.reserved()).isEqualTo(1000);
    assertThat(a.growTo(601)).isFalse();
    assertThat(a.held()).isEqualTo(600);
    a.close();
    a.close();
    assertThat(budget.reserved()).isEqualTo(400);
    assertThat(a.growTo(10)).as("closed").isFalse();
    assertThat(b.growTo(900)).isTrue();
    assertThat(b.growTo(100)).as("never shrinks").isTrue();
    assertThat(b.held()).isEqualTo(900);
    b.close();
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void refusalsTellTooLargeFromTooMany() {
    HeapBudget budget = new HeapBudget(100L << 20);
    assertThat(budget.fits(100L << 20)).isTrue();
    assertThat(budget.refusal(200L << 20))
        .startsWith("Payload too large")
        .contains("200 MB", "100 MB");
    HeapBudget.Reservation r = budget.tryReserve(90L << 20);
    assertThat(budget.refusal(20L << 20))
        .startsWith("Too many requests")
        .contains("90 MB", "100 MB", "20 MB");
    r.close();
    assertThat(HeapBudget.ofHeap(1L << 30).capacity()).isEqualTo(512L << 20);
    assertThat(HeapBudget.peak(10, 100)).isEqualTo(210);
  }

  @Test
  void racingReservationsNeverOverdrawAndAllComeBack() throws Exception {
    HeapBudget budget = new HeapBudget(10_000);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      go.await();
                      for (int i = 0; i < 20_000; i++) {
                        HeapBudget.Reservation r = budget.tryReserve(i % 700);
                        if (r != null) {
                          r.growTo(i % 3000);
                          if (budget.reserved() > budget.capacity()) {
                            synchronized (errors) {
                              errors.add("overdrawn: " + budget.reserved());
                            }
                          }
                          r.close();
                        }
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(errors).isEmpty();
    assertThat(budget.reserved()).isZero();
  }
}
