package dev.quiver.storage.internal.vector;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Epoch-based reclamation of vector slots: a read that maps slots to points and reads their vectors
 * runs inside {@link #enter()}/{@link #exit(int)}, and a slot freed during epoch {@code e} is used
 * again only from epoch {@code e + 2} on. The epoch advances only when no read that began two
 * epochs back is still running, so a slot a read has seen keeps its vector and its owner (or none)
 * until that read ends: a search never scores one point's vector and returns another point for it.
 * Readers never wait; a writer that finds no reclaimable slot takes a new one. Thread-safe.
 */
public final class Epochs {
  private volatile long epoch;
  private final AtomicInteger[] readers = {new AtomicInteger(), new AtomicInteger()};

  /** Starts a read; pass the token to {@link #exit(int)}. */
  public int enter() {
    while (true) {
      long e = epoch;
      int token = (int) (e & 1);
      readers[token].incrementAndGet();
      if (epoch == e) {
        return token;
      }
      readers[token].decrementAndGet(); // the epoch moved on meanwhile: join the new one
    }
  }

  public void exit(int token) {
    readers[token].decrementAndGet();
  }

  public long current() {
    return epoch;
  }

  /**
   * Advances the epoch if no read that began in the previous one is still running.
   *
   * @return whether it advanced
   */
  synchronized boolean tryAdvance() {
    long e = epoch;
    if (readers[(int) ((e - 1) & 1)].get() != 0) {
      return false;
    }
    epoch = e + 1;
    return true;
  }

  /** Whether a slot retired in {@code retiredIn} may be used again, advancing if that helps. */
  public boolean reclaimable(long retiredIn) {
    if (epoch >= retiredIn + 2) {
      return true;
    }
    tryAdvance();
    return epoch >= retiredIn + 2;
  }
}
