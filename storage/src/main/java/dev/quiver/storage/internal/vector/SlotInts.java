package dev.quiver.storage.internal.vector;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * An int per slot, {@code -1} where none was set. Written by one writer at a time; read by any
 * number of threads without locks, through fixed pages that never move.
 */
public final class SlotInts {
  private static final int PAGE = 1 << 12;
  private volatile AtomicIntegerArray[] pages = new AtomicIntegerArray[0];

  public void set(int slot, int value) {
    int page = slot / PAGE;
    AtomicIntegerArray[] p = pages;
    if (page >= p.length) {
      AtomicIntegerArray[] next = Arrays.copyOf(p, page + 1);
      for (int i = p.length; i <= page; i++) {
        int[] empty = new int[PAGE];
        Arrays.fill(empty, -1);
        next[i] = new AtomicIntegerArray(empty);
      }
      pages = next;
      p = next;
    }
    p[page].set(slot % PAGE, value);
  }

  public int get(int slot) {
    AtomicIntegerArray[] p = pages;
    int page = slot / PAGE;
    return page < p.length ? p[page].get(slot % PAGE) : -1;
  }
}
