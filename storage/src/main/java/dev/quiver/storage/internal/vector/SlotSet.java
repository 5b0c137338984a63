package dev.quiver.storage.internal.vector;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A set of slots as one bit each, in pages of {@value #PAGE_SLOTS}: a million pending slots cost
 * 128 KiB where a sorted set of boxed integers costs about 50 MB. Iterated in slot order.
 *
 * <p>Thread-safety: any number of threads may add, remove and test concurrently (each bit changes
 * by compare-and-set); {@link #next} is weakly consistent, as a concurrent set's iterator is: it
 * sees every slot present for its whole duration, and may or may not see the others. The page table
 * grows copy-on-write.
 */
public final class SlotSet {
  private static final int PAGE_WORDS = 1 << 10;
  static final int PAGE_SLOTS = PAGE_WORDS * 64;

  private volatile AtomicLongArray[] pages = new AtomicLongArray[0];
  private final AtomicInteger size = new AtomicInteger();
  private final Object growLock = new Object();

  /** Adds {@code slot}; false if it was there already. */
  public boolean add(int slot) {
    AtomicLongArray page = page(slot, true);
    int word = (slot % PAGE_SLOTS) >>> 6;
    long bit = 1L << slot;
    long old;
    do {
      old = page.get(word);
      if ((old & bit) != 0) {
        return false;
      }
    } while (!page.compareAndSet(word, old, old | bit));
    size.incrementAndGet();
    return true;
  }

  /** Removes {@code slot}; false if it was not there. */
  public boolean remove(int slot) {
    AtomicLongArray page = page(slot, false);
    if (page == null) {
      return false;
    }
    int word = (slot % PAGE_SLOTS) >>> 6;
    long bit = 1L << slot;
    long old;
    do {
      old = page.get(word);
      if ((old & bit) == 0) {
        return false;
      }
    } while (!page.compareAndSet(word, old, old & ~bit));
    size.decrementAndGet();
    return true;
  }

  public boolean contains(int slot) {
    AtomicLongArray page = page(slot, false);
    return page != null && (page.get((slot % PAGE_SLOTS) >>> 6) & (1L << slot)) != 0;
  }

  public int size() {
    return size.get();
  }

  public boolean isEmpty() {
    return size.get() == 0;
  }

  /** The smallest slot in the set at or after {@code from}, or -1. */
  public int next(int from) {
    if (from < 0 || isEmpty()) {
      return -1;
    }
    AtomicLongArray[] p = pages;
    for (int pi = from / PAGE_SLOTS; pi < p.length; pi++) {
      int startWord = pi == from / PAGE_SLOTS ? (from % PAGE_SLOTS) >>> 6 : 0;
      for (int w = startWord; w < PAGE_WORDS; w++) {
        long bits = p[pi].get(w);
        if (w == startWord && pi == from / PAGE_SLOTS) {
          bits &= -1L << from; // the bits at or after from in its word
        }
        if (bits != 0) {
          return pi * PAGE_SLOTS + w * 64 + Long.numberOfTrailingZeros(bits);
        }
      }
    }
    return -1;
  }

  /** Up to {@code n} slots of the set, smallest first. */
  public int[] first(int n) {
    int[] out = new int[Math.min(n, Math.max(size(), 0))];
    int count = 0;
    for (int s = next(0); s >= 0 && count < out.length; s = next(s + 1)) {
      out[count++] = s;
    }
    return count == out.length ? out : Arrays.copyOf(out, count);
  }

  private AtomicLongArray page(int slot, boolean create) {
    if (slot < 0) {
      throw new IllegalArgumentException("slot " + slot);
    }
    int pi = slot / PAGE_SLOTS;
    AtomicLongArray[] p = pages;
    if (pi < p.length) {
      return p[pi];
    }
    if (!create) {
      return null;
    }
    synchronized (growLock) {
      if (pi >= pages.length) {
        AtomicLongArray[] next = Arrays.copyOf(pages, pi + 1);
        for (int i = pages.length; i <= pi; i++) {
          next[i] = new AtomicLongArray(PAGE_WORDS);
        }
        pages = next;
      }
      return pages[pi];
    }
  }
}
