package dev.quiver.storage.internal;

import dev.quiver.storage.PointId;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which point owns each vector slot (null once the point is deleted or its vector replaced).
 * Written by the shard's single writer; read by searches without locks, through fixed pages that
 * never move.
 */
final class SlotOwners {
  private static final int PAGE = 1 << 12;
  private volatile AtomicReferenceArray<PointId>[] pages = newPages(0);

  @SuppressWarnings("unchecked")
  private static AtomicReferenceArray<PointId>[] newPages(int n) {
    return new AtomicReferenceArray[n];
  }

  void set(int slot, PointId id) {
    int page = slot / PAGE;
    if (page >= pages.length) {
      AtomicReferenceArray<PointId>[] next = Arrays.copyOf(pages, page + 1);
      for (int i = pages.length; i <= page; i++) {
        next[i] = new AtomicReferenceArray<>(PAGE);
      }
      pages = next;
    }
    pages[page].set(slot % PAGE, id);
  }

  PointId get(int slot) {
    AtomicReferenceArray<PointId>[] p = pages;
    int page = slot / PAGE;
    return page < p.length ? p[page].get(slot % PAGE) : null;
  }
}
