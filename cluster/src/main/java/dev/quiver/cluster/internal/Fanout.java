package dev.quiver.cluster.internal;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Reads a collection spread over shards: asks every shard (local or remote, in parallel) and merges
 * the answers into what one shard holding every point would have answered. Shards come in groups
 * ({@link ShardLayout#groups}): a point lives in one shard of each group. Thread-safe; the executor
 * belongs to its creator.
 */
public final class Fanout {
  private final ExecutorService executor;

  /** {@code executor} runs the per-shard calls; virtual threads suit it. */
  public Fanout(ExecutorService executor) {
    this.executor = executor;
  }

  /**
   * The readers of {@code groups}' shards; a shard with a key labels its results with it (Qdrant's
   * {@code shard_key} in results).
   */
  public static List<List<ShardReader>> readers(
      ShardLayout layout, List<List<Integer>> groups, IntFunction<ShardReader> readerOf) {
    List<List<ShardReader>> out = new ArrayList<>(groups.size());
    for (List<Integer> group : groups) {
      List<ShardReader> readers = new ArrayList<>(group.size());
      for (int shard : group) {
        ShardKey key = layout.shards().get(shard);
        ShardReader r = readerOf.apply(shard);
        readers.add(key == null ? r : new KeyedReader(r, key));
      }
      out.add(readers);
    }
    return out;
  }

  private static List<ShardReader> flat(List<List<ShardReader>> groups) {
    if (groups.size() == 1) {
      return groups.getFirst();
    }
    List<ShardReader> all = new ArrayList<>();
    groups.forEach(all::addAll);
    return all;
  }

  /** Best {@code limit} after {@code offset} over all shards, in the distance's order. */
  public List<ScoredPoint> search(
      List<List<ShardReader>> groups, SearchRequest request, Distance distance) {
    List<ShardReader> shards = flat(groups);
    if (shards.isEmpty()) {
      return List.of();
    }
    if (shards.size() == 1) {
      return shards.getFirst().search(request);
    }
    // every shard returns its best offset+limit; the global page is cut from their union
    SearchRequest perShard =
        request.with(
            (int) Math.min((long) request.offset() + request.limit(), Integer.MAX_VALUE),
            0,
            request.filter(),
            request.withPayload(),
            request.withVectors());
    List<ScoredPoint> all = new ArrayList<>();
    for (List<ScoredPoint> part : each(shards, s -> s.search(perShard))) {
      all.addAll(part);
    }
    Comparator<ScoredPoint> order = (a, b) -> distance.compareBetterFirst(a.score(), b.score());
    all.sort(order.thenComparing(ScoredPoint::id, PointId::compareTo));
    int from = Math.min(request.offset(), all.size());
    int to = (int) Math.min((long) from + request.limit(), all.size());
    return List.copyOf(all.subList(from, to));
  }

  /**
   * The points among {@code ids} that exist, in the order asked; each id asks its own shard of
   * every group ({@code routing} picks it). A point found under several keys is returned once, from
   * the first group.
   */
  public List<PointRecord> retrieve(
      List<List<ShardReader>> groups,
      PointRouting routing,
      List<PointId> ids,
      WithPayload withPayload,
      WithVectors withVectors) {
    if (groups.size() == 1 && groups.getFirst().size() == 1) {
      return groups.getFirst().getFirst().retrieve(ids, withPayload, withVectors);
    }
    List<ShardReader> readers = new ArrayList<>();
    List<List<PointId>> asks = new ArrayList<>();
    for (List<ShardReader> group : groups) {
      Map<Integer, List<PointId>> byShard = new TreeMap<>();
      if (group.stream().anyMatch(OwnedReader.class::isInstance)) {
        // resharded: where an id lives depends on the stage; each shard keeps its own
        for (int shard = 0; shard < group.size(); shard++) {
          byShard.put(shard, ids);
        }
      } else {
        for (PointId id : ids) {
          byShard
              .computeIfAbsent(routing.shardOf(id, group.size()), k -> new ArrayList<>())
              .add(id);
        }
      }
      byShard.forEach(
          (shard, list) -> {
            readers.add(group.get(shard));
            asks.add(list);
          });
    }
    Map<PointId, PointRecord> found = new HashMap<>();
    List<List<PointRecord>> parts =
        eachIndexed(readers, i -> readers.get(i).retrieve(asks.get(i), withPayload, withVectors));
    for (List<PointRecord> part : parts) {
      for (PointRecord r : part) {
        found.putIfAbsent(r.id(), r);
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
      List<List<ShardReader>> groups,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors) {
    List<ShardReader> shards = flat(groups);
    if (shards.isEmpty()) {
      return new ScrollPage(List.of(), null);
    }
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

  public long count(List<List<ShardReader>> groups, Filter filter) {
    long total = 0;
    for (long n : each(flat(groups), s -> s.count(filter))) {
      total += n;
    }
    return total;
  }

  public boolean anyPayloadMatches(List<List<ShardReader>> groups, Filter filter) {
    for (boolean b : each(flat(groups), s -> s.anyPayloadMatches(filter))) {
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
    if (shards.isEmpty()) {
      return List.of();
    }
    if (shards.size() == 1) {
      return List.of(call.call(0));
    }
    List<Future<T>> futures = new ArrayList<>(shards.size());
    RequestScope scope = RequestScope.current(); // the request's deadline and budget go along
    for (int i = 0; i < shards.size(); i++) {
      int index = i;
      futures.add(executor.submit((Callable<T>) () -> scope.run(() -> call.call(index))));
    }
    List<T> results = new ArrayList<>(shards.size());
    try {
      for (Future<T> f : futures) {
        results.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      futures.forEach(f -> f.cancel(true));
      throw new StorageException.Unavailable("interrupted", e);
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageException.Unavailable(String.valueOf(e.getCause()), e.getCause());
    }
    return results;
  }
}
