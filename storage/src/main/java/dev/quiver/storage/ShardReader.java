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
}
