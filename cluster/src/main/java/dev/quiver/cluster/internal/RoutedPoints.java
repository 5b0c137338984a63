package dev.quiver.cluster.internal;

import dev.quiver.cluster.PointAccess;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.List;

/**
 * Point reads and writes of a single node and of a cluster alike: writes go to {@link
 * ShardRoutes#write}, reads ask the routes' readers through a {@link Fanout} and merge.
 * Thread-safe.
 */
public final class RoutedPoints implements PointAccess {
  private final ShardRoutes routes;
  private final Fanout fanout;

  public RoutedPoints(ShardRoutes routes, Fanout fanout) {
    this.routes = routes;
    this.fanout = fanout;
  }

  @Override
  public UpdateResult update(String collection, UpdateOp op, boolean wait, ShardSelector shards) {
    return routes.write(collection, op, wait, shards);
  }

  @Override
  public List<PointRecord> retrieve(
      String collection,
      List<PointId> ids,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector shards) {
    return fanout.retrieve(
        routes.readers(collection, consistency, shards),
        routes.config(collection).routing(),
        ids,
        withPayload,
        withVectors);
  }

  @Override
  public List<ScoredPoint> search(
      String collection, SearchRequest request, ReadConsistency consistency, ShardSelector shards) {
    var distance = routes.config(collection).distanceOf(request.vectorName());
    return fanout.search(routes.readers(collection, consistency, shards), request, distance);
  }

  @Override
  public ScrollPage scroll(
      String collection,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector shards) {
    return fanout.scroll(
        routes.readers(collection, consistency, shards),
        filter,
        offset,
        limit,
        withPayload,
        withVectors);
  }

  @Override
  public long count(
      String collection, Filter filter, ReadConsistency consistency, ShardSelector shards) {
    return fanout.count(routes.readers(collection, consistency, shards), filter);
  }

  @Override
  public boolean payloadMatchExists(String collection, Filter filter) {
    return fanout.anyPayloadMatches(
        routes.readers(collection, ReadConsistency.ONE, ShardSelector.ALL), filter);
  }

  @Override
  public long localPayloadBytes(String collection) {
    return routes.localPayloadBytes(collection);
  }
}
