package dev.quiver.storage;

import java.util.List;
import java.util.Objects;

/**
 * A mutation of a shard's points. Every update travels as one of these, numbered by the caller (the
 * local WAL sequence, or the Raft log index in a cluster), so that replay from any log is the same
 * code path. Immutable.
 */
public sealed interface UpdateOp {

  /** Deletes the selected points: by ids, or by a filter (resolved when applied). */
  static UpdateOp delete(PointSelector selector) {
    return switch (selector) {
      case PointSelector.Ids ids -> new DeletePoints(ids.ids());
      case PointSelector.ByFilter f -> new DeleteByFilter(f.filter());
    };
  }

  /**
   * Inserts or replaces whole points, as {@code mode} allows: {@link Mode#INSERT_ONLY} leaves
   * existing points as they are, {@link Mode#UPDATE_ONLY} creates none. The mode is resolved
   * against the shard's state when the write is applied (replicas resolve it alike, in log order);
   * what reaches the WAL is a plain upsert of the points that remain.
   */
  record Upsert(List<Point> points, Mode mode, Filter updateFilter) implements UpdateOp {
    /**
     * {@code updateFilter} (Qdrant's {@code update_filter}, or null): an existing point is replaced
     * only when it matches; new points are inserted regardless.
     */
    public Upsert {
      points = List.copyOf(Objects.requireNonNull(points, "points"));
      Objects.requireNonNull(mode, "mode");
    }

    /** Without an update filter. */
    public Upsert(List<Point> points, Mode mode) {
      this(points, mode, null);
    }

    /** A plain upsert: new points are inserted, existing ones replaced. */
    public Upsert(List<Point> points) {
      this(points, Mode.UPSERT);
    }

    /** Qdrant's {@code update_mode}. */
    public enum Mode {
      UPSERT,
      INSERT_ONLY,
      UPDATE_ONLY;

      /** The mode of a REST {@code update_mode} value, or null for an unknown one. */
      public static Mode ofWireName(String name) {
        return switch (name) {
          case "upsert" -> UPSERT;
          case "insert_only" -> INSERT_ONLY;
          case "update_only" -> UPDATE_ONLY;
          default -> null;
        };
      }
    }
  }

  /** Deletes points by id; unknown ids are ignored. */
  record DeletePoints(List<PointId> ids) implements UpdateOp {
    public DeletePoints {
      ids = List.copyOf(Objects.requireNonNull(ids, "ids"));
    }
  }

  /** Deletes the points a filter selects (resolved to {@link DeletePoints} before logging). */
  record DeleteByFilter(Filter filter) implements UpdateOp {
    public DeleteByFilter {
      Objects.requireNonNull(filter, "filter");
    }
  }

  /**
   * Merges {@code payload} into the selected points' payloads, or into the object at the dotted
   * {@code key} when given (created as needed).
   */
  record SetPayload(PointSelector selector, Value.Struct payload, String key) implements UpdateOp {
    public SetPayload {
      Objects.requireNonNull(selector, "selector");
      Objects.requireNonNull(payload, "payload");
    }
  }

  /** Replaces the selected points' payloads with {@code payload}. */
  record OverwritePayload(PointSelector selector, Value.Struct payload) implements UpdateOp {
    public OverwritePayload {
      Objects.requireNonNull(selector, "selector");
      Objects.requireNonNull(payload, "payload");
    }
  }

  /** Removes top-level (or dotted) {@code keys} from the selected points' payloads. */
  record DeletePayload(PointSelector selector, List<String> keys) implements UpdateOp {
    public DeletePayload {
      Objects.requireNonNull(selector, "selector");
      keys = List.copyOf(keys);
    }
  }

  /**
   * Replaces the given named vectors of existing points; their other vectors and payload stay. A
   * point that does not exist fails the whole operation (NotFound) before anything changes.
   */
  record UpdateVectors(List<Point> points, Filter updateFilter) implements UpdateOp {
    /** {@code updateFilter} (or null): only points that match it are changed. */
    public UpdateVectors {
      points = List.copyOf(Objects.requireNonNull(points, "points"));
    }

    /** Without an update filter. */
    public UpdateVectors(List<Point> points) {
      this(points, null);
    }
  }

  /** Removes the named vectors from the selected points (their payload and other vectors stay). */
  record DeleteVectors(PointSelector selector, List<String> names) implements UpdateOp {
    public DeleteVectors {
      Objects.requireNonNull(selector, "selector");
      names = List.copyOf(names);
    }
  }

  /** Empties the selected points' payloads. */
  record ClearPayload(PointSelector selector) implements UpdateOp {
    public ClearPayload {
      Objects.requireNonNull(selector, "selector");
    }
  }
}
