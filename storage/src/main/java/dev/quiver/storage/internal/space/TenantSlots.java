package dev.quiver.storage.internal.space;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Tenant-local storage: where a dense space puts the vectors of a tenant (one value of the shard's
 * first {@code is_tenant} field), so that a tenant's vectors sit together in the vector files, as
 * Qdrant's optimizer stores a tenant's points together. A search for one tenant then reads that
 * tenant's pages, and a tenant's working set in the page cache is its own, not pages shared with
 * every other tenant (a 384-dimension float vector is a third of a page).
 *
 * <p>A tenant's first {@value #BLOCK} vectors (counted since the shard opened) take the space's
 * shared slots, so a collection of many small tenants stays as dense as without this; from then on
 * the tenant takes runs of {@value #BLOCK} slots reserved at the end of the files and fills them in
 * turn, unless the vacuum has freed slots to use again (a collection under updates does not grow;
 * those vectors land among other tenants'). The unfilled rest of a tenant's last run is the only
 * slack: under {@value #BLOCK} slots for each tenant past {@value #BLOCK} vectors, so never more
 * slots than vectors. Empty slots are owned by no point, so searches pass over them; after a
 * restart they are free slots like any other. {@value #TRACKED} tenants at most are counted;
 * further ones take shared slots.
 *
 * <p>Not thread-safe: the space's single writer calls it.
 */
final class TenantSlots {
  /** Slots a large tenant reserves at a time (96 KiB of 384-dimension floats). */
  static final int BLOCK = 64;

  /** Tenants counted at most (a bounded map, whatever the number of tenants). */
  static final int TRACKED = 1 << 16;

  private final Map<Object, Run> runs = new HashMap<>();

  /** A tenant's vectors appended since open, and its current run {@code [next, end)}. */
  private static final class Run {
    int appended;
    int next;
    int end;
  }

  /**
   * The slot for the next vector of {@code tenant}: one of its run, reserving a new run with {@code
   * reserve} (given a count, returns the first slot) when its last is full and {@code mayReserve};
   * or -1 when the vector takes a shared slot (no tenant, a small one, one past the tracked count,
   * or a full run while the space has freed slots to use again: a collection under updates must not
   * grow, so a tenant's vectors then go where the vacuum made room).
   */
  int next(Object tenant, boolean mayReserve, IntUnaryOperator reserve) {
    if (tenant == null) {
      return -1;
    }
    Run run = runs.get(tenant);
    if (run == null) {
      if (runs.size() >= TRACKED) {
        return -1;
      }
      run = new Run();
      runs.put(tenant, run);
    }
    if (run.next < run.end) {
      return run.next++;
    }
    if (++run.appended <= BLOCK || !mayReserve) {
      return -1;
    }
    run.next = reserve.applyAsInt(BLOCK);
    run.end = run.next + BLOCK;
    return run.next++;
  }

  /** Forgets every run (the tenant field changed): later vectors start counting again. */
  void clear() {
    runs.clear();
  }
}
