package dev.quiver.storage;

import java.util.List;
import java.util.Objects;

/**
 * Which points an update touches: listed ids, or those passing a filter. A shard resolves a filter
 * to ids under its write lock before logging the operation, so its log holds only ids and replays
 * deterministically. Immutable.
 */
public sealed interface PointSelector {
  /** Listed ids; unknown ones are ignored. */
  record Ids(List<PointId> ids) implements PointSelector {
    public Ids {
      ids = List.copyOf(ids);
    }
  }

  /** The points passing {@code filter} when the update is applied. */
  record ByFilter(Filter filter) implements PointSelector {
    public ByFilter {
      Objects.requireNonNull(filter, "filter");
    }
  }
}
