package dev.quiver.cluster;

import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.List;

/**
 * Reads and writes of a collection's points, wherever its shards are: writes are split by shard and
 * applied (or replicated), reads ask every shard and merge. Errors are {@link
 * dev.quiver.storage.StorageException}s. Implementations are thread-safe.
 */
public interface PointAccess {

  /**
   * Applies a point update. With {@code wait} the update is applied and durable when this returns;
   * without it, it is accepted (status {@code acknowledged}).
   */
  UpdateResult update(String collection, UpdateOp op, boolean wait, ShardSelector shards);

  default UpdateResult update(String collection, UpdateOp op, boolean wait) {
    return update(collection, op, wait, ShardSelector.ALL);
  }

  List<PointRecord> retrieve(
      String collection,
      List<PointId> ids,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector shards);

  default List<PointRecord> retrieve(
      String collection, List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
    return retrieve(
        collection, ids, withPayload, withVectors, ReadConsistency.ONE, ShardSelector.ALL);
  }

  List<ScoredPoint> search(
      String collection, SearchRequest request, ReadConsistency consistency, ShardSelector shards);

  default List<ScoredPoint> search(String collection, SearchRequest request) {
    return search(collection, request, ReadConsistency.ONE, ShardSelector.ALL);
  }

  /** A page of points in id order; see {@link ShardReader#scroll}. */
  ScrollPage scroll(
      String collection,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector shards);

  default ScrollPage scroll(
      String collection,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors) {
    return scroll(
        collection,
        filter,
        offset,
        limit,
        withPayload,
        withVectors,
        ReadConsistency.ONE,
        ShardSelector.ALL);
  }

  /** Points that pass the filter (all when null). */
  long count(String collection, Filter filter, ReadConsistency consistency, ShardSelector shards);

  default long count(String collection, Filter filter) {
    return count(collection, filter, ReadConsistency.ONE, ShardSelector.ALL);
  }

  /** Whether a point of the collection passes {@code filter} (a JWT's {@code value_exists}). */
  boolean payloadMatchExists(String collection, Filter filter);

  /**
   * The payloads this node's replicas of the collection hold, in bytes of their stored form (strict
   * mode's payload size limit, estimated from the local shards as Qdrant does). NotFound for a
   * missing collection.
   */
  long localPayloadBytes(String collection);
}
