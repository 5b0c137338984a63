package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.cluster.TransferMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A peer runs the recorded transfers it is the source of, one attempt at a time, with retries. */
class ShardTransfersTest {
  private static final long SELF = 7;
  private static final Wire.Transfer FROM_HERE =
      new Wire.Transfer(0, SELF, 8, true, TransferMethod.STREAM_RECORDS);
  private static final Wire.Transfer FROM_ELSEWHERE =
      new Wire.Transfer(1, 8, SELF, false, TransferMethod.SNAPSHOT);

  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong now = new AtomicLong();
  private final List<String> ran = new ArrayList<>();

  @AfterEach
  void stop() {
    timers.shutdownNow();
  }

  private ShardTransfers transfers(
      Map<String, List<Wire.Transfer>> recorded, ExecutorService workers, boolean fail) {
    return new ShardTransfers(
        SELF,
        () -> recorded,
        (collection, t) -> {
          synchronized (ran) {
            ran.add(collection + "/" + t.shard());
          }
          if (fail) {
            throw new IllegalStateException("planted");
          }
        },
        timers,
        workers,
        Duration.ofHours(1),
        now::get);
  }

  @Test
  void onlyTheSourceRunsATransfer() {
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try (var t = transfers(Map.of("c", List.of(FROM_HERE, FROM_ELSEWHERE)), worker, false)) {
      t.check();
      awaitQuiet(worker);
      assertThat(ran).containsExactly("c/0");
    } finally {
      worker.shutdownNow();
    }
  }

  @Test
  void aRunningTransferIsNotStartedTwice() throws Exception {
    var gate = new CountDownLatch(1);
    ExecutorService workers = Executors.newCachedThreadPool();
    try (var t =
        new ShardTransfers(
            SELF,
            () -> Map.of("c", List.of(FROM_HERE)),
            (collection, x) -> {
              synchronized (ran) {
                ran.add(collection + "/" + x.shard());
              }
              try {
                gate.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            timers,
            workers,
            Duration.ofHours(1),
            now::get)) {
      t.check();
      t.check(); // the first attempt holds its place from the first check on
      gate.countDown();
      workers.shutdown();
      assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      assertThat(ran).containsExactly("c/0");
    }
  }

  @Test
  void aFailedTransferIsTriedAgainOnlyAfterThePause() {
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try (var t = transfers(Map.of("c", List.of(FROM_HERE)), worker, true)) {
      t.check();
      awaitQuiet(worker);
      t.check(); // too soon
      awaitQuiet(worker);
      assertThat(ran).hasSize(1);
      now.addAndGet(ShardTransfers.RETRY_AFTER.toNanos());
      t.check();
      awaitQuiet(worker);
      assertThat(ran).hasSize(2);
    } finally {
      worker.shutdownNow();
    }
  }

  /** Waits until what was handed to the single-thread {@code worker} so far has run. */
  private static void awaitQuiet(ExecutorService worker) {
    try {
      worker.submit(() -> {}).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
