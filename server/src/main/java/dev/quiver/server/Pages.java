package dev.quiver.server;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.function.Consumer;

/** Every point that passes a filter, read page by page (facets, ordering, sampling). */
final class Pages {
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
          dispatcher.scroll(
              collection, filter, offset, PAGE, withPayload, withVectors, consistency, shards);
      page.points().forEach(action);
      offset = page.nextOffset();
    } while (offset != null);
  }
}
