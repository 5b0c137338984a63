package dev.quiver.storage;

import java.util.List;

/**
 * The read side of a shard. Implementations are thread-safe: any number of readers may run
 * concurrently with one another and with writes, and each sees every write that completed before it
 * started. A remote replica implements the same interface.
 */
public interface ShardReader {

  /** Top results for the request, best first. */
  List<ScoredPoint> search(SearchRequest request);

  /** The points with these ids that exist, in the order asked. */
  List<PointRecord> retrieve(List<PointId> ids, WithPayload withPayload, WithVectors withVectors);

  /** Number of live points. */
  long count();

  /** Number of live points that pass {@code filter} (all when null). */
  long count(Filter filter);

  /**
   * Points in id order (integer ids before UUIDs) from {@code offset} (inclusive, null for the
   * start) that pass {@code filter} (null for all), at most {@code limit}.
   */
  ScrollPage scroll(
      Filter filter, PointId offset, int limit, WithPayload withPayload, WithVectors withVectors);

  /**
   * Whether some point's payload holds every {@code key == value} of {@code matches}. Keys are
   * dotted paths ({@code a.b}); where a path meets an array, any element may match, as Qdrant's
   * {@code match} condition does.
   */
  boolean anyPayloadMatches(Filter filter);
}
