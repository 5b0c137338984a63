package dev.quiver.storage;

import java.util.List;
import java.util.Objects;

/**
 * A mutation of a shard's points. Every update travels as one of these, numbered by the caller (the
 * local WAL sequence, or the Raft log index in a cluster), so that replay from any log is the same
 * code path. Immutable.
 */
public sealed interface UpdateOp {

  /** Inserts or replaces whole points. */
  record Upsert(List<Point> points) implements UpdateOp {
    public Upsert {
      points = List.copyOf(Objects.requireNonNull(points, "points"));
    }
  }

  /** Deletes points by id; unknown ids are ignored. */
  record DeletePoints(List<PointId> ids) implements UpdateOp {
    public DeletePoints {
      ids = List.copyOf(Objects.requireNonNull(ids, "ids"));
    }
  }
}
