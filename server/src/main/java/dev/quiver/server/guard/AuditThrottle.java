package dev.quiver.server.guard;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Keeps one client's failed authentications from flooding the audit log: per client address, the
 * first {@code perWindow} failures of each window are recorded one by one, the rest are counted,
 * and the count is recorded as one summary entry when that address's window is over (at its next
 * failure, or when {@link #drain} is called). Nothing is dropped without being counted. At most
 * {@code maxAddresses} addresses are tracked; the least recently seen is summarised and forgotten
 * past that. Thread-safe (synchronized: failed authentications are not a hot path).
 */
public final class AuditThrottle {
  /** What to do with one failure: record it, and first record a summary of earlier ones. */
  record Decision(boolean record, long summarised, long windowSeconds) {}

  private final int perWindow;
  private final long windowNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Window> windows;

  private static final class Window {
    long start;
    int recorded;
    long suppressed;
  }

  AuditThrottle(int perWindow, long windowSeconds, int maxAddresses, LongSupplier nanoClock) {
    this.perWindow = perWindow;
    this.windowNanos = windowSeconds * 1_000_000_000L;
    this.nanoClock = nanoClock;
    this.windows =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            if (size() > maxAddresses) {
              evicted += eldest.getValue().suppressed;
              return true;
            }
            return false;
          }
        };
  }

  private long evicted; // suppressed failures of forgotten addresses, summarised with the next

  /** One failed authentication from {@code address}. */
  synchronized Decision failure(String address) {
    long now = nanoClock.getAsLong();
    Window w = windows.computeIfAbsent(address == null ? "" : address, k -> new Window());
    long summarised = 0;
    if (w.recorded == 0 && w.suppressed == 0) {
      w.start = now;
    } else if (now - w.start >= windowNanos) {
      summarised = w.suppressed;
      w.start = now;
      w.recorded = 0;
      w.suppressed = 0;
    }
    summarised += evicted;
    evicted = 0;
    if (w.recorded < perWindow) {
      w.recorded++;
      return new Decision(true, summarised, windowNanos / 1_000_000_000L);
    }
    w.suppressed++;
    return new Decision(false, summarised, windowNanos / 1_000_000_000L);
  }

  /** The failures counted but not yet summarised, by address; they are forgotten here. */
  synchronized Map<String, Long> drain() {
    Map<String, Long> out = new LinkedHashMap<>();
    windows.forEach(
        (a, w) -> {
          if (w.suppressed > 0) {
            out.put(a, w.suppressed);
          }
        });
    if (evicted > 0) {
      out.merge("", evicted, Long::sum);
    }
    windows.clear();
    evicted = 0;
    return out;
  }
}
