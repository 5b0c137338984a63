package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.RequestScope;
import dev.quiver.storage.StorageException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UpdatePermitsTest {
  private static final Duration LONG = Duration.ofSeconds(30);

  // threads of their own: the common pool may have one worker, which the first update holds
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void pastTheLimitAnUpdateWaitsForARunningOneToEnd() throws Exception {
    UpdatePermits permits = new UpdatePermits(1, LONG, System::nanoTime);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    Runnable body =
        () -> {
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          inside.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          running.decrementAndGet();
        };
    var first =
        CompletableFuture.runAsync(
            () ->
                permits.run(
                    () -> {
                      body.run();
                      return 1;
                    }));
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
    var second = CompletableFuture.supplyAsync(() -> permits.run(() -> 2), pool);
    awaitWaiting(permits);
    assertThat(second).as("waits while the first runs").isNotDone();
    release.countDown();
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(2);
    first.get(10, TimeUnit.SECONDS);
    assertThat(most.get()).isEqualTo(1);
  }

  @Test
  void aWaitEndsWithTheRequestsTimeoutOrTheLongestWait() throws Exception {
    AtomicLong now = new AtomicLong();
    UpdatePermits permits = new UpdatePermits(1, Duration.ofSeconds(5), now::get);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    var holder =
        CompletableFuture.runAsync(
            () ->
                permits.run(
                    () -> {
                      inside.countDown();
                      try {
                        release.await(10, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return 0;
                    }),
            pool);
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
    // the request's own timeout (1 s on the same clock)
    RequestScope scope = RequestScope.of(1, 100, 100, now::get);
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThatThrownBy(() -> scope.run(() -> permits.run(() -> 0)))
        .isInstanceOf(StorageException.Timeout.class);
    // no timeout of its own: the longest wait, then 503
    now.set(0);
    var waiting = CompletableFuture.supplyAsync(() -> permits.run(() -> 0), pool);
    awaitWaiting(permits);
    now.addAndGet(Duration.ofSeconds(6).toNanos());
    assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StorageException.Unavailable.class)
        .hasMessageContaining("update_rate_limit");
    release.countDown();
    holder.get(10, TimeUnit.SECONDS);
  }

  private static void awaitWaiting(UpdatePermits permits) throws InterruptedException {
    for (int i = 0; i < 500 && !permits.waiting(); i++) {
      Thread.sleep(10);
    }
    assertThat(permits.waiting()).as("an update waiting").isTrue();
  }

  @Test
  void withoutALimitNothingWaits() {
    UpdatePermits permits = new UpdatePermits(null, LONG, System::nanoTime);
    assertThat(permits.run(() -> permits.run(() -> 7))).isEqualTo(7);
  }
}
