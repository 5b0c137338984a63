package dev.quiver.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Closed-loop load: a number of clients, each with one request in flight, calling for a fixed time
 * after a warm-up, and each request's latency recorded. Used by every load benchmark. A run is
 * driven from one thread; its clients' state is touched only by their own request chains.
 */
final class ClosedLoop {
  private ClosedLoop() {}

  /** One run: each request's latency in nanoseconds, over {@code seconds}. */
  record Sample(long[] took, double seconds, long errors) {
    double qps() {
      return took.length / seconds;
    }
  }

  /** One request: started on the calling thread, done when the future completes. */
  interface Call {
    CompletableFuture<?> start(Random r) throws Exception;
  }

  /** The future of a call of the official client. */
  static <T> CompletableFuture<T> done(ListenableFuture<T> f) {
    CompletableFuture<T> out = new CompletableFuture<>();
    Futures.addCallback(
        f,
        new FutureCallback<T>() {
          @Override
          public void onSuccess(T v) {
            out.complete(v);
          }

          @Override
          public void onFailure(Throwable e) {
            out.completeExceptionally(e);
          }
        },
        MoreExecutors.directExecutor());
    return out;
  }

  /**
   * {@code clients} closed-loop clients calling {@code call} for {@code seconds} after a warm-up:
   * each has one request in flight and starts the next when it completes. A call that completes on
   * the caller (in-process, REST over a blocking keep-alive connection) keeps its client thread;
   * one that completes later (the gRPC client's futures) starts the next request on the thread that
   * completed it, the client channel's event loop — as an asynchronous application does, and
   * without waking a blocked thread per request on the cores the server uses too.
   */
  static Sample measure(Call call, int clients, int seconds, int seed) throws Exception {
    var flags = new Flags();
    CountDownLatch done = new CountDownLatch(clients);
    List<Client> all = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Client c = new Client(call, new Random(i * 7919L + seed), flags, done);
      all.add(c);
      Thread.ofPlatform().start(c::next);
    }
    Thread.sleep(Math.min(2000, seconds * 400L)); // warm-up
    flags.measuring = true;
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    flags.measuring = false;
    long elapsed = System.nanoTime() - start;
    flags.stop = true;
    done.await(120, TimeUnit.SECONDS);
    long[] took = all.stream().flatMapToLong(c -> Arrays.stream(c.took, 0, c.count)).toArray();
    return new Sample(took, elapsed / 1e9, all.stream().mapToLong(c -> c.errors).sum());
  }

  private static final class Flags {
    volatile boolean measuring;
    volatile boolean stop;
  }

  /** One closed-loop client: its fields are only touched by the request chain it runs. */
  private static final class Client {
    private final Call call;
    private final Random random;
    private final Flags flags;
    private final CountDownLatch done;
    long[] took = new long[1 << 16];
    int count;
    long errors;

    Client(Call call, Random random, Flags flags, CountDownLatch done) {
      this.call = call;
      this.random = random;
      this.flags = flags;
      this.done = done;
    }

    /** Issues requests until one completes later or the run stops. */
    void next() {
      while (!flags.stop) {
        long t0 = System.nanoTime();
        CompletableFuture<?> f;
        try {
          f = call.start(random);
        } catch (Exception e) {
          errors++;
          continue;
        }
        if (!f.isDone()) {
          f.whenComplete(
              (v, e) -> {
                finished(t0, e == null);
                next();
              });
          return;
        }
        finished(t0, !f.isCompletedExceptionally());
      }
      done.countDown();
    }

    private void finished(long t0, boolean ok) {
      if (!ok) {
        errors++;
      } else if (flags.measuring) {
        if (count == took.length) {
          took = Arrays.copyOf(took, count * 2);
        }
        took[count++] = System.nanoTime() - t0;
      }
    }
  }
}
