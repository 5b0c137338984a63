package dev.quiver.server.guard;

import dev.quiver.server.request.RequestException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Token buckets by key, for strict mode's {@code read_rate_limit} and {@code write_rate_limit}: a
 * bucket holds up to its per-minute limit of tokens and refills at that rate; an operation takes as
 * many as it costs or is refused (REST 429, gRPC RESOURCE_EXHAUSTED). A bucket is made on first use
 * and made anew when its limit changes. Thread-safe.
 */
public final class RateLimiters {
  private static final long MINUTE_NANOS = 60_000_000_000L;

  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimiters(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /**
   * Takes {@code cost} tokens from the bucket of {@code key} holding {@code perMinute}.
   *
   * @param what "Read" or "Write", for the message
   * @throws RequestException.RateLimited when the bucket has fewer
   */
  public void acquire(String key, long perMinute, long cost, String what) {
    Bucket b =
        buckets.compute(
            key,
            (k, old) ->
                old == null || old.capacity != perMinute
                    ? new Bucket(perMinute, nanoClock.getAsLong())
                    : old);
    if (!b.take(cost, nanoClock.getAsLong())) {
      throw new RequestException.RateLimited(
          "Rate limiting exceeded: " + what + " rate limit exceeded, retry later");
    }
  }

  /** Forgets the buckets whose key starts with {@code prefix} (a dropped collection's). */
  public void forget(String prefix) {
    buckets.keySet().removeIf(k -> k.startsWith(prefix));
  }

  private static final class Bucket {
    final long capacity;
    private double tokens;
    private long last;

    Bucket(long capacity, long now) {
      this.capacity = capacity;
      this.tokens = capacity;
      this.last = now;
    }

    synchronized boolean take(long cost, long now) {
      tokens = Math.min(capacity, tokens + (double) (now - last) * capacity / MINUTE_NANOS);
      last = now;
      if (cost > tokens) {
        return false;
      }
      tokens -= cost;
      return true;
    }
  }
}
