package dev.quiver.cluster.internal;

import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A shard read while its collection is resharded: it sees only the points that live in it ({@code
 * owned} as a filter condition for the shard to apply, {@code owns} the same test here), so a point
 * that exists in two shards while it moves is seen once. Immutable, so thread-safe as the shard is.
 */
public record OwnedReader(ShardReader shard, Condition owned, Predicate<PointId> owns)
    implements ShardReader {

  /** {@code filter} (null for none) and the ownership condition. */
  public Filter restrict(Filter filter) {
    if (filter == null) {
      return new Filter(List.of(owned), List.of(), List.of(), null);
    }
    List<Condition> must = new ArrayList<>(filter.must());
    must.add(owned);
    return new Filter(must, filter.should(), filter.mustNot(), filter.minShould());
  }

  @Override
  public List<ScoredPoint> search(SearchRequest request) {
    return shard.search(
        request.with(
            request.limit(),
            request.offset(),
            restrict(request.filter()),
            request.withPayload(),
            request.withVectors()));
  }

  @Override
  public List<PointRecord> retrieve(
      List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
    return shard.retrieve(ids, withPayload, withVectors).stream()
        .filter(r -> owns.test(r.id()))
        .toList();
  }

  @Override
  public long count() {
    return shard.count(restrict(null));
  }

  @Override
  public long count(Filter filter) {
    return shard.count(restrict(filter));
  }

  @Override
  public ScrollPage scroll(
      Filter filter, PointId offset, int limit, WithPayload withPayload, WithVectors withVectors) {
    return shard.scroll(restrict(filter), offset, limit, withPayload, withVectors);
  }

  @Override
  public boolean anyPayloadMatches(Filter filter) {
    return shard.anyPayloadMatches(restrict(filter));
  }
}
