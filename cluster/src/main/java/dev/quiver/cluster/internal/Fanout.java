package dev.quiver.cluster.internal;

import dev.quiver.storage.Distance;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Reads a collection spread over shards: asks every shard (local or remote, in parallel) and merges
 * the answers into what one shard holding every point would have answered.
 */
public final class Fanout {
  private final ExecutorService executor;

  /** {@code executor} runs the per-shard calls; virtual threads suit it. */
  public Fanout(ExecutorService executor) {
    this.executor = executor;
  }

  /** Best {@code limit} after {@code offset} over all shards, in the distance's order. */
  public List<ScoredPoint> search(
      List<ShardReader> shards, SearchRequest request, Distance distance) {
    if (shards.size() == 1) {
      return shards.getFirst().search(request);
    }
    // every shard returns its best offset+limit; the global page is cut from their union
    SearchRequest perShard =
        new SearchRequest(
            request.vectorName(),
            request.vector(),
            request.offset() + request.limit(),
            0,
            request.scoreThreshold(),
            request.withPayload(),
            request.withVectors(),
            request.hnswEf(),
            request.exact(),
            request.filter());
    List<ScoredPoint> all = new ArrayList<>();
    for (List<ScoredPoint> part : each(shards, s -> s.search(perShard))) {
      all.addAll(part);
    }
    Comparator<ScoredPoint> order = (a, b) -> distance.compareBetterFirst(a.score(), b.score());
    all.sort(order.thenComparing(ScoredPoint::id, PointId::compareTo));
    int from = Math.min(request.offset(), all.size());
    int to = Math.min(from + request.limit(), all.size());
    return List.copyOf(all.subList(from, to));
  }

  /** The points among {@code ids} that exist, in the order asked; each id asks its own shard. */
  public List<PointRecord> retrieve(
      List<ShardReader> shards,
      List<PointId> ids,
      WithPayload withPayload,
      WithVectors withVectors) {
    if (shards.size() == 1) {
      return shards.getFirst().retrieve(ids, withPayload, withVectors);
    }
    Map<Integer, List<PointId>> byShard = new HashMap<>();
    for (PointId id : ids) {
      byShard
          .computeIfAbsent(ShardRouting.shardOf(id, shards.size()), k -> new ArrayList<>())
          .add(id);
    }
    List<Integer> asked = List.copyOf(byShard.keySet());
    List<ShardReader> readers = asked.stream().map(shards::get).toList();
    Map<PointId, PointRecord> found = new HashMap<>();
    List<List<PointRecord>> parts =
        eachIndexed(
            readers,
            i -> readers.get(i).retrieve(byShard.get(asked.get(i)), withPayload, withVectors));
    for (List<PointRecord> part : parts) {
      for (PointRecord r : part) {
        found.put(r.id(), r);
      }
    }
    List<PointRecord> out = new ArrayList<>();
    for (PointId id : ids) {
      PointRecord r = found.get(id);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * A page in global id order: each shard gives its first {@code limit} from {@code offset}; the
   * page is the smallest {@code limit} ids of their union, and the next offset the smallest id not
   * in it (a shard's own next offset, or a point cut from the union).
   */
  public ScrollPage scroll(
      List<ShardReader> shards,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors) {
    if (shards.size() == 1) {
      return shards.getFirst().scroll(filter, offset, limit, withPayload, withVectors);
    }
    List<ScrollPage> pages =
        each(shards, s -> s.scroll(filter, offset, limit, withPayload, withVectors));
    List<PointRecord> all = new ArrayList<>();
    PointId next = null;
    for (ScrollPage page : pages) {
      all.addAll(page.points());
      next = min(next, page.nextOffset());
    }
    all.sort(Comparator.comparing(PointRecord::id, PointId::compareTo));
    if (all.size() > limit) {
      next = min(next, all.get(limit).id());
      all = all.subList(0, limit);
    }
    return new ScrollPage(all, next);
  }

  private static PointId min(PointId a, PointId b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.compareTo(b) <= 0 ? a : b;
  }

  public long count(List<ShardReader> shards, Filter filter) {
    long total = 0;
    for (long n : each(shards, s -> s.count(filter))) {
      total += n;
    }
    return total;
  }

  public boolean anyPayloadMatches(
      List<ShardReader> shards, Map<String, dev.quiver.storage.Value> matches) {
    for (boolean b : each(shards, s -> s.anyPayloadMatches(matches))) {
      if (b) {
        return true;
      }
    }
    return false;
  }

  private interface ShardCall<T> {
    T call(ShardReader shard);
  }

  private <T> List<T> each(List<ShardReader> shards, ShardCall<T> call) {
    return eachIndexed(shards, i -> call.call(shards.get(i)));
  }

  private interface IndexedCall<T> {
    T call(int index);
  }

  /** Runs the calls in parallel; the first failure (in shard order) is rethrown as it was. */
  private <T> List<T> eachIndexed(List<ShardReader> shards, IndexedCall<T> call) {
    if (shards.size() == 1) {
      return List.of(call.call(0));
    }
    List<Future<T>> futures = new ArrayList<>(shards.size());
    for (int i = 0; i < shards.size(); i++) {
      int index = i;
      futures.add(executor.submit((Callable<T>) () -> call.call(index)));
    }
    List<T> results = new ArrayList<>(shards.size());
    try {
      for (Future<T> f : futures) {
        results.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      futures.forEach(f -> f.cancel(true));
      throw new dev.quiver.storage.StorageException.Unavailable("interrupted", e);
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new dev.quiver.storage.StorageException.Unavailable(
          String.valueOf(e.getCause()), e.getCause());
    }
    return results;
  }
}
