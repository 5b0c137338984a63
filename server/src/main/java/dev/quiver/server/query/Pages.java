package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Every point that passes a filter, read page by page (facets, ordering, sampling). Stateless
 * (static methods only), so thread-safe.
 */
public final class Pages {
  private static final int PAGE = 1000;

  private Pages() {}

  static void each(
      Dispatcher dispatcher,
      String collection,
      Filter filter,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector shards,
      Consumer<PointRecord> action) {
    PointId offset = null;
    do {
      ScrollPage page =
          dispatcher
              .points()
              .scroll(
                  collection, filter, offset, PAGE, withPayload, withVectors, consistency, shards);
      page.points().forEach(action);
      offset = page.nextOffset();
    } while (offset != null);
  }

  /**
   * Up to {@code n} of the points that pass {@code filter}, drawn uniformly at random in one pass
   * (reservoir sampling), in random order.
   */
  static List<PointRecord> sample(
      Dispatcher dispatcher,
      String collection,
      Filter filter,
      int n,
      ReadConsistency consistency,
      ShardSelector shards) {
    RandomGenerator random = ThreadLocalRandom.current();
    List<PointRecord> kept = new ArrayList<>(Math.min(n, 1 << 16));
    long[] seen = {0};
    each(
        dispatcher,
        collection,
        filter,
        WithPayload.NONE,
        WithVectors.NONE,
        consistency,
        shards,
        r -> {
          long i = seen[0]++;
          if (kept.size() < n) {
            kept.add(r);
          } else {
            long j = random.nextLong(i + 1);
            if (j < n) {
              kept.set((int) j, r);
            }
          }
        });
    Collections.shuffle(kept, random);
    return kept;
  }
}
