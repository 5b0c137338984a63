package dev.quiver.storage;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One condition of a {@link Filter}. Keys are payload paths: {@code a.b.c}, with {@code []} to go
 * through arrays explicitly ({@code a.b[].c}); arrays met on the way are gone through as well, and
 * a condition on an array field holds when it holds for any of its values, as in Qdrant. Immutable.
 */
public sealed interface Condition {

  /** The field equals {@code value} (keyword, integer or bool). */
  record Match(String key, Value value) implements Condition {}

  /** The field equals one of {@code values}. */
  record MatchAny(String key, List<Value> values) implements Condition {
    public MatchAny {
      values = List.copyOf(values);
    }
  }

  /** The field equals none of {@code values}. */
  record MatchExcept(String key, List<Value> values) implements Condition {
    public MatchExcept {
      values = List.copyOf(values);
    }
  }

  /**
   * The point has a vector named {@code vector} (dense, sparse or multi; "" is the unnamed one).
   */
  record HasVector(String vector) implements Condition {}

  /**
   * Full-text match of a string field. With a {@code text} index on the field, by the index's
   * analysis: {@code ALL} needs every token of {@code text}, {@code ANY} one of them, {@code
   * PHRASE} all of them in a row (only where the index has {@code phrase_matching}). Without one:
   * {@code text} as a substring ({@code ANY}: one of its whitespace-separated words).
   */
  record MatchText(String key, String text, TextMatch kind) implements Condition {
    /** {@code match.text}. */
    public MatchText(String key, String text) {
      this(key, text, TextMatch.ALL);
    }
  }

  /**
   * A keyword value starts with {@code prefix}: case-sensitive, character by character, as an exact
   * keyword match compares ({@code match.prefix}).
   */
  record MatchPrefix(String key, String prefix) implements Condition {}

  /** Which full-text match: {@code text}, {@code text_any} or {@code phrase}. */
  enum TextMatch {
    ALL,
    ANY,
    PHRASE
  }

  /**
   * A number (or, with {@code datetime}, an RFC 3339 time, compared as epoch milliseconds) within
   * the bounds; null bounds are open.
   */
  record Range(String key, Double gt, Double gte, Double lt, Double lte, boolean datetime)
      implements Condition {}

  /** The number of values at the key is within the bounds. */
  record ValuesCount(String key, Long gt, Long gte, Long lt, Long lte) implements Condition {}

  /** A geo point ({@code {"lon", "lat"}}) inside the box. */
  record GeoBoundingBox(
      String key,
      double topLeftLat,
      double topLeftLon,
      double bottomRightLat,
      double bottomRightLon)
      implements Condition {}

  /** A geo point within {@code radiusMeters} of the center. */
  record GeoRadius(String key, double lat, double lon, double radiusMeters) implements Condition {}

  /** A geo point inside the polygon (exterior ring, minus the interior rings). */
  record GeoPolygon(String key, List<double[]> exterior, List<List<double[]>> interiors)
      implements Condition {}

  /** The key is missing, null, or an empty array. */
  record IsEmpty(String key) implements Condition {}

  /** The key is present with a null value. */
  record IsNull(String key) implements Condition {}

  /** The point's id is one of {@code ids}. */
  record HasId(Set<PointId> ids) implements Condition {
    public HasId {
      ids = Set.copyOf(ids);
    }
  }

  /** Some element of the array of objects at {@code key} satisfies {@code filter} on its own. */
  record Nested(String key, Filter filter) implements Condition {
    public Nested {
      Objects.requireNonNull(filter, "filter");
    }
  }

  /**
   * The point's id routes to shard {@code index} of {@code shards} by {@code routing}. Internal: no
   * request can name it; the cluster adds it to reads and clean-ups while a collection is
   * resharded, so that a point that exists in two shards is seen in one.
   */
  record InShard(PointRouting routing, int shards, int index) implements Condition {
    public InShard {
      Objects.requireNonNull(routing, "routing");
      if (shards < 1 || index < 0 || index >= shards) {
        throw new IllegalArgumentException("shard " + index + " of " + shards);
      }
    }

    public boolean test(PointId id) {
      return routing.shardOf(id, shards) == index;
    }
  }

  /**
   * The point's id falls in a part from {@code from} (inclusive) to {@code to} (exclusive) of
   * {@code parts} ({@link PointRouting#partOf}). Internal, like {@link InShard}: a resharding moves
   * points one part at a time.
   */
  record InPart(int parts, int from, int to) implements Condition {
    public InPart {
      if (parts < 1 || from < 0 || to > parts || from >= to) {
        throw new IllegalArgumentException("parts " + from + ".." + to + " of " + parts);
      }
    }

    public boolean test(PointId id) {
      int part = PointRouting.partOf(id, parts);
      return part >= from && part < to;
    }
  }

  /** A whole filter as one condition. */
  record Sub(Filter filter) implements Condition {}
}
