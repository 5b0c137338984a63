package dev.quiver.storage.internal.vector;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A value per slot (which point owns a vector slot, or a sparse vector by its slot), null where
 * none. Written by the shard's single writer; read by searches without locks, through fixed pages
 * that never move.
 */
public final class SlotTable<T> {
  private static final int PAGE = 1 << 12;
  private volatile AtomicReferenceArray<T>[] pages = newPages(0);

  @SuppressWarnings("unchecked")
  private static <T> AtomicReferenceArray<T>[] newPages(int n) {
    return new AtomicReferenceArray[n];
  }

  public void set(int slot, T value) {
    int page = slot / PAGE;
    if (page >= pages.length) {
      AtomicReferenceArray<T>[] next = Arrays.copyOf(pages, page + 1);
      for (int i = pages.length; i <= page; i++) {
        next[i] = new AtomicReferenceArray<>(PAGE);
      }
      pages = next;
    }
    pages[page].set(slot % PAGE, value);
  }

  public T get(int slot) {
    AtomicReferenceArray<T>[] p = pages;
    int page = slot / PAGE;
    return page < p.length ? p[page].get(slot % PAGE) : null;
  }
}
