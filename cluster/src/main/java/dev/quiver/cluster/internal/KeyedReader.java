package dev.quiver.cluster.internal;

import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.List;

/** A shard of a custom-sharded collection: its results carry the shard's key. */
record KeyedReader(ShardReader shard, ShardKey key) implements ShardReader {

  @Override
  public List<ScoredPoint> search(SearchRequest request) {
    return shard.search(request).stream().map(p -> p.withShardKey(key)).toList();
  }

  @Override
  public List<PointRecord> retrieve(
      List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
    return label(shard.retrieve(ids, withPayload, withVectors));
  }

  @Override
  public long count() {
    return shard.count();
  }

  @Override
  public long count(Filter filter) {
    return shard.count(filter);
  }

  @Override
  public ScrollPage scroll(
      Filter filter, PointId offset, int limit, WithPayload withPayload, WithVectors withVectors) {
    ScrollPage page = shard.scroll(filter, offset, limit, withPayload, withVectors);
    return new ScrollPage(label(page.points()), page.nextOffset());
  }

  @Override
  public boolean anyPayloadMatches(Filter filter) {
    return shard.anyPayloadMatches(filter);
  }

  private List<PointRecord> label(List<PointRecord> points) {
    return points.stream().map(p -> p.withShardKey(key)).toList();
  }
}
