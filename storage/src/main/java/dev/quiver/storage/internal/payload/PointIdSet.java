package dev.quiver.storage.internal.payload;

import dev.quiver.storage.PointId;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The points of one posting: numeric ids in an open-addressing table of {@code long}s (linear
 * probing), UUIDs in a concurrent hash set. A graph walk under a filter asks the postings whether
 * each node's point is in them; in a hash set of {@link PointId} objects that costs three dependent
 * memory reads (the table, the entry, the key), here one or two (the table's slots, read in order).
 * Numeric ids are what most collections use.
 *
 * <p>Two values of the table are markers (never-used and removed slots); the ids equal to them are
 * kept in two flags instead. The table is at most half full (live and removed slots together): a
 * probe always ends at a never-used slot. Growing, or clearing out removed slots, builds a new
 * table and publishes it whole; the old one is not written after that.
 *
 * <p>Thread-safety: one writer at a time ({@link #add}, {@link #remove}: the shard's write lock);
 * readers ({@link #contains}, iteration, {@link #size}) run concurrently with it and see each
 * change whole or not at all. Iteration is weakly consistent, as a concurrent set's.
 */
final class PointIdSet extends AbstractSet<PointId> {
  private static final long FREE = 0L;
  private static final long GONE = Long.MIN_VALUE;
  private static final int MIN_CAPACITY = 4;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

  /** The numeric ids' slots; its length is a power of two. */
  private volatile long[] table = new long[MIN_CAPACITY];

  private volatile boolean hasFree; // the id 0
  private volatile boolean hasGone; // the id 2^63 (Long.MIN_VALUE as a signed long)
  private volatile int numbers; // numeric ids held
  private int used; // slots holding an id or a removal (the writer's)

  /** The UUIDs held; made with the first (many sets hold one numeric id: it costs them nothing). */
  private volatile Set<PointId> uuids;

  @Override
  public boolean contains(Object o) {
    if (o instanceof PointId.Num n) {
      return containsNumber(n.value());
    }
    Set<PointId> u = uuids;
    return o instanceof PointId.Uuid && u != null && u.contains(o);
  }

  private boolean containsNumber(long id) {
    if (id == FREE) {
      return hasFree;
    }
    if (id == GONE) {
      return hasGone;
    }
    long[] t = table;
    int mask = t.length - 1;
    for (int i = home(id, mask); ; i = (i + 1) & mask) {
      long k = (long) SLOT.getAcquire(t, i);
      if (k == id) {
        return true;
      }
      if (k == FREE) {
        return false;
      }
    }
  }

  private static int home(long id, int mask) {
    return (int) ((id * 0x9E3779B97F4A7C15L) >>> 32) & mask;
  }

  @Override
  public boolean add(PointId p) {
    if (p instanceof PointId.Num n) {
      return addNumber(n.value());
    }
    Set<PointId> u = uuids;
    if (u == null) {
      u = ConcurrentHashMap.newKeySet();
      uuids = u;
    }
    return u.add(p);
  }

  private boolean addNumber(long id) {
    if (id == FREE || id == GONE) {
      boolean had = id == FREE ? hasFree : hasGone;
      if (!had) {
        if (id == FREE) {
          hasFree = true;
        } else {
          hasGone = true;
        }
        numbers++;
      }
      return !had;
    }
    long[] t = table;
    int mask = t.length - 1;
    int reuse = -1;
    int i = home(id, mask);
    for (; ; i = (i + 1) & mask) {
      long k = t[i];
      if (k == id) {
        return false;
      }
      if (k == FREE) {
        break;
      }
      if (k == GONE && reuse < 0) {
        reuse = i;
      }
    }
    if (reuse >= 0) {
      SLOT.setRelease(t, reuse, id); // a removed slot taken again: no slot more in use
    } else {
      SLOT.setRelease(t, i, id);
      used++;
    }
    numbers++;
    if (used * 2 > t.length) {
      rebuild();
    }
    return true;
  }

  @Override
  public boolean remove(Object o) {
    if (o instanceof PointId.Num n) {
      return removeNumber(n.value());
    }
    Set<PointId> u = uuids;
    return u != null && u.remove(o);
  }

  private boolean removeNumber(long id) {
    if (id == FREE || id == GONE) {
      boolean had = id == FREE ? hasFree : hasGone;
      if (had) {
        if (id == FREE) {
          hasFree = false;
        } else {
          hasGone = false;
        }
        numbers--;
      }
      return had;
    }
    long[] t = table;
    int mask = t.length - 1;
    for (int i = home(id, mask); ; i = (i + 1) & mask) {
      long k = t[i];
      if (k == id) {
        SLOT.setRelease(t, i, GONE);
        numbers--;
        return true;
      }
      if (k == FREE) {
        return false;
      }
    }
  }

  /**
   * A new table for the ids held (a quarter full, so that as many adds again fit before the next),
   * published whole: readers of the old one see it as it was.
   */
  private void rebuild() {
    long[] old = table;
    int live = Math.clamp(numbers, 1, 1 << 27);
    int capacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(live * 4 - 1) << 1);
    long[] next = new long[capacity];
    int mask = capacity - 1;
    int count = 0;
    for (long k : old) {
      if (k != FREE && k != GONE) {
        int i = home(k, mask);
        while (next[i] != FREE) {
          i = (i + 1) & mask;
        }
        next[i] = k;
        count++;
      }
    }
    used = count;
    table = next; // volatile: the whole table is seen by a reader that sees it
  }

  @Override
  public int size() {
    Set<PointId> u = uuids;
    return numbers + (u == null ? 0 : u.size());
  }

  @Override
  public boolean isEmpty() {
    Set<PointId> u = uuids;
    return numbers == 0 && (u == null || u.isEmpty());
  }

  @Override
  public Iterator<PointId> iterator() {
    long[] t = table;
    boolean free = hasFree;
    boolean gone = hasGone;
    Set<PointId> u = uuids;
    Iterator<PointId> rest = u == null ? Collections.emptyIterator() : u.iterator();
    return new Iterator<>() {
      private int at = -2; // -2: the id 0, -1: the id 2^63, then the table's slots
      private PointId next = advance();

      private PointId advance() {
        if (at == -2) {
          at++;
          if (free) {
            return new PointId.Num(FREE);
          }
        }
        if (at == -1) {
          at++;
          if (gone) {
            return new PointId.Num(GONE);
          }
        }
        while (at < t.length) {
          long k = (long) SLOT.getAcquire(t, at++);
          if (k != FREE && k != GONE) {
            return new PointId.Num(k);
          }
        }
        return rest.hasNext() ? rest.next() : null;
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public PointId next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        PointId out = next;
        next = advance();
        return out;
      }
    };
  }
}
