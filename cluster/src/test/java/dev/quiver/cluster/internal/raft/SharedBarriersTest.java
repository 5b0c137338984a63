package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.TestSeed;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Reads share barriers, and a read only ever waits for a barrier sent after it arrived: one in
 * flight at a time, the arrivals meanwhile all on the next one, failures handed to exactly the
 * reads that waited for that barrier.
 */
class SharedBarriersTest {
  /** A barrier the test answers by hand: the order it was sent in. */
  private record Sent(long order, CompletableFuture<Long> answer) {}

  @Test
  void arrivalsWhileOneIsInFlightShareTheNext() {
    List<Sent> sent = new ArrayList<>();
    AtomicLong now = new AtomicLong();
    SharedBarriers<Long> b =
        new SharedBarriers<>(
            () -> {
              var f = new CompletableFuture<Long>();
              sent.add(new Sent(sent.size(), f));
              return f;
            },
            now::get,
            100);
    CompletableFuture<Long> first = b.join();
    assertThat(sent).hasSize(1);
    CompletableFuture<Long> second = b.join();
    CompletableFuture<Long> third = b.join();
    assertThat(second).isSameAs(third);
    assertThat(sent).as("nothing more is sent while one is in flight").hasSize(1);
    sent.get(0).answer().complete(10L);
    assertThat(first).isCompletedWithValue(10L);
    assertThat(second).as("the first answer is too early for the later arrivals").isNotDone();
    assertThat(sent).as("the next one goes once the first is answered").hasSize(2);
    CompletableFuture<Long> fourth = b.join(); // arrives after the second was sent
    assertThat(fourth).isNotSameAs(second);
    sent.get(1).answer().completeExceptionally(new IllegalStateException("leader lost"));
    assertThat(second).isCompletedExceptionally();
    assertThat(fourth).isNotDone();
    sent.get(2).answer().complete(12L);
    assertThat(fourth).isCompletedWithValue(12L);
    assertThat(b.sent()).isEqualTo(3);
    b.join();
    assertThat(sent).as("none in flight: sent at once").hasSize(4);
  }

  /** A barrier that goes unanswered (a lost leader) holds the next one back only so long. */
  @Test
  void aBarrierStuckInFlightHoldsTheNextBackOnlyForItsPatience() {
    List<Sent> sent = new ArrayList<>();
    AtomicLong now = new AtomicLong();
    SharedBarriers<Long> b =
        new SharedBarriers<>(
            () -> {
              var f = new CompletableFuture<Long>();
              sent.add(new Sent(sent.size(), f));
              return f;
            },
            now::get,
            100);
    CompletableFuture<Long> stuck = b.join();
    now.set(50);
    CompletableFuture<Long> waiting = b.join();
    assertThat(sent).hasSize(1);
    now.set(150); // past the patience: the next arrival sends the waiting barrier itself
    CompletableFuture<Long> late = b.join();
    assertThat(late).isSameAs(waiting);
    assertThat(sent).hasSize(2);
    sent.get(1).answer().complete(7L);
    assertThat(waiting).isCompletedWithValue(7L);
    assertThat(stuck).isNotDone();
    now.set(400); // still stuck, nothing waits: a new arrival sends at once
    CompletableFuture<Long> another = b.join();
    assertThat(sent).hasSize(3);
    sent.get(0).answer().complete(1L);
    assertThat(stuck).isCompletedWithValue(1L);
    assertThat(another).isNotDone();
    assertThat(sent).as("nothing waited for the stuck one").hasSize(3);
  }

  /**
   * Many threads joining at random while barriers are answered on other threads: every read's
   * barrier was sent after the read arrived, and far fewer barriers are sent than reads.
   */
  @Test
  void everyReadWaitsForABarrierSentAfterItArrived() throws Exception {
    long seed = TestSeed.of("everyReadWaitsForABarrierSentAfterItArrived");
    AtomicLong clock = new AtomicLong();
    // each barrier answers with the order it was sent in, answered later on another thread
    record Pending(CompletableFuture<Long> answer, long sentAt) {}
    ConcurrentLinkedQueue<Pending> toAnswer = new ConcurrentLinkedQueue<>();
    SharedBarriers<Long> b =
        new SharedBarriers<>(
            () -> {
              var f = new CompletableFuture<Long>();
              toAnswer.add(new Pending(f, clock.incrementAndGet()));
              return f;
            },
            System::nanoTime,
            50_000);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    int reads = 4_000;
    CountDownLatch done = new CountDownLatch(reads);
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    Random r = new Random(seed);
    Thread answerer =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (done.getCount() > 0) {
                    Pending p = toAnswer.poll();
                    if (p != null) {
                      p.answer().complete(p.sentAt());
                    }
                    Thread.onSpinWait();
                  }
                });
    for (int i = 0; i < reads; i++) {
      int pause = r.nextInt(50);
      pool.execute(
          () -> {
            for (int k = 0; k < pause; k++) {
              Thread.onSpinWait();
            }
            long arrived = clock.get();
            b.join()
                .whenComplete(
                    (sentAt, e) -> {
                      if (e == null && sentAt <= arrived) {
                        violations.add("arrived at " + arrived + ", barrier sent at " + sentAt);
                      }
                      done.countDown();
                    });
          });
    }
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    pool.shutdown();
    answerer.join(5_000);
    assertThat(violations).isEmpty();
    assertThat(b.sent()).isEqualTo(clock.get()).isLessThanOrEqualTo(reads);
  }
}
