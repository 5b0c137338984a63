package dev.quiver.server.guard;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap that client requests may hold at once, node-wide, REST and gRPC together: a request's
 * body and what decoding it builds (its JSON tree or protobuf objects, and the service's own copy)
 * are reserved before they are allocated, from an estimate of their size, and given back when the
 * request is answered. A request larger than the whole budget is refused as too large (413 /
 * RESOURCE_EXHAUSTED); one that does not fit beside the requests in flight is refused as too many
 * (429 / RESOURCE_EXHAUSTED), never queued. The size caps of the edges (32 MB bodies, 64 MB gRPC
 * messages) bound one request's bytes; this bounds what all of them expand to, so that no mix of
 * requests reaches {@link OutOfMemoryError}. Thread-safe.
 */
public final class HeapBudget {
  /** The share of the maximum heap requests may hold; the rest is the point table's and caches'. */
  public static final double HEAP_SHARE = 0.5;

  /**
   * Copies of a decoded request a request holds at its peak: the decoder's objects, and the
   * service's own (its request types, the WAL's encoding).
   */
  static final int DECODED_COPIES = 2;

  private final long capacity;
  private final AtomicLong free;

  /** A budget of {@code capacity} bytes. */
  public HeapBudget(long capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("heap budget must be at least 1 byte");
    }
    this.capacity = capacity;
    this.free = new AtomicLong(capacity);
  }

  /** {@link #HEAP_SHARE} of {@code maxHeap} (the JVM's {@code Runtime.maxMemory()}). */
  public static HeapBudget ofHeap(long maxHeap) {
    return new HeapBudget(Math.max(1, (long) (maxHeap * HEAP_SHARE)));
  }

  /**
   * What a request holds at its peak: its {@code wireBytes} and {@link #DECODED_COPIES} of the
   * {@code decodedBytes} its decoder builds.
   */
  public static long peak(long wireBytes, long decodedBytes) {
    return wireBytes + DECODED_COPIES * decodedBytes;
  }

  /** Bytes requests may hold at once. */
  public long capacity() {
    return capacity;
  }

  /** Bytes reserved now. */
  public long reserved() {
    return capacity - free.get();
  }

  /** Reserves {@code bytes}; null if they do not fit beside what is reserved now. */
  public Reservation tryReserve(long bytes) {
    Reservation r = new Reservation();
    return r.growTo(bytes) ? r : null;
  }

  /** Whether a request of {@code bytes} could ever be admitted: not larger than the budget. */
  public boolean fits(long bytes) {
    return bytes <= capacity;
  }

  /** Why a request estimated at {@code bytes} was refused: too large, or too many in flight. */
  public String refusal(long bytes) {
    if (!fits(bytes)) {
      return "Payload too large: decoding this request would take about "
          + megabytes(bytes)
          + " of memory, more than the "
          + megabytes(capacity)
          + " this node gives to requests in flight (half its heap)";
    }
    return "Too many requests: the requests in flight hold "
        + megabytes(reserved())
        + " of the "
        + megabytes(capacity)
        + " of memory this node gives them, and this one needs about "
        + megabytes(bytes)
        + "; retry later";
  }

  private static String megabytes(long bytes) {
    return ((bytes + (1 << 20) - 1) >> 20) + " MB";
  }

  /**
   * Bytes held for one request, given back once by {@link #close()}. Thread-safe; it may be grown
   * on one thread and closed on another.
   */
  public final class Reservation implements AutoCloseable {
    private final AtomicLong held = new AtomicLong();

    private Reservation() {}

    /**
     * Grows what this reservation holds to {@code bytes} (never shrinks it); false, holding what it
     * held, if the difference does not fit. False too once closed.
     */
    public boolean growTo(long bytes) {
      while (true) {
        long h = held.get();
        if (h < 0) {
          return false; // closed
        }
        long more = bytes - h;
        if (more <= 0) {
          return true;
        }
        long f = free.get();
        if (more > f) {
          return false;
        }
        if (free.compareAndSet(f, f - more)) {
          if (held.compareAndSet(h, bytes)) {
            return true;
          }
          free.addAndGet(more); // closed or grown meanwhile: give back and look again
        }
      }
    }

    /** Bytes held now; 0 once closed. */
    public long held() {
      return Math.max(0, held.get());
    }

    /** Gives back what is held; later calls do nothing. */
    @Override
    public void close() {
      long h = held.getAndSet(-1);
      if (h > 0) {
        free.addAndGet(h);
      }
    }
  }
}
