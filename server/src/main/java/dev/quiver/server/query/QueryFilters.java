package dev.quiver.server.query;

import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import java.util.List;
import java.util.Set;

/**
 * The filters a query composes: a stage's filter under its parents', a restriction to found ids, an
 * exclusion of examples. Stateless, so thread-safe.
 */
final class QueryFilters {
  private QueryFilters() {}

  /** {@code a} and {@code b} together (either may be null). */
  static Filter and(Filter a, Filter b) {
    if (a == null || a.isEmpty()) {
      return b;
    }
    if (b == null || b.isEmpty()) {
      return a;
    }
    return new Filter(
        List.of(new Condition.Sub(a), new Condition.Sub(b)), List.of(), List.of(), null);
  }

  static Filter ids(Set<PointId> ids) {
    return new Filter(List.of(new Condition.HasId(Set.copyOf(ids))), List.of(), List.of(), null);
  }

  /** {@code filter} without the {@code excluded} points. */
  static Filter without(Filter filter, Set<PointId> excluded) {
    if (excluded.isEmpty()) {
      return filter;
    }
    Filter not =
        new Filter(List.of(), List.of(), List.of(new Condition.HasId(Set.copyOf(excluded))), null);
    return and(filter, not);
  }
}
