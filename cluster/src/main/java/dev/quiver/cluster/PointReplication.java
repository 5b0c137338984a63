package dev.quiver.cluster;

import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.ShardingMethod;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Qdrant's {@code replicate_points}: the points of one shard key that pass a filter are copied into
 * another shard key of the same collection (a tenant promoted to a shard key of its own), the
 * source left as it was. The copy reads the source a page at a time with linearizable reads (every
 * write acknowledged before a page is read is in it) and upserts each page into the target through
 * the collection's write path, so in a cluster every copy is replicated as any write is. It runs
 * within the request: its deadline and its client's going away stop it between pages; a page
 * already written stays (upserts are idempotent, so running it again completes the copy). Writes to
 * the source that land behind the page being read are not carried over, where Qdrant forwards them
 * during its transfer; run it again, or stop writing to those points, to catch them. Stateless, so
 * thread-safe.
 */
public final class PointReplication {
  /** Points read and written per page. */
  static final int PAGE = 256;

  private PointReplication() {}

  /**
   * Copies {@code op}'s points within {@code collection}; returns how many were copied.
   *
   * @throws StorageException.BadInput when the collection is not custom-sharded or the keys are the
   *     same
   * @throws StorageException.NotFound when a shard key does not exist
   */
  public static long copy(Dispatcher d, String collection, ShardOperation.ReplicatePoints op) {
    if (d.catalog().collectionInfo(collection).config().shardingMethod() != ShardingMethod.CUSTOM) {
      throw new StorageException.BadInput(
          "replicate_points needs a collection with custom sharding (sharding_method: custom)");
    }
    if (op.from().equals(op.to())) {
      throw new StorageException.BadInput(
          "replicate_points needs two different shard keys, got " + op.from() + " twice");
    }
    List<?> keys = d.catalog().shardKeys(collection);
    for (var key : List.of(op.from(), op.to())) {
      if (!keys.contains(key)) {
        throw new StorageException.NotFound("Shard key " + key + " not found");
      }
    }
    RequestScope scope = RequestScope.current();
    ShardSelector from = ShardSelector.of(op.from());
    ShardSelector to = ShardSelector.of(op.to());
    // pages are bounded by the source's size (twice over, for points written meanwhile)
    long pages =
        2 * (d.points().count(collection, op.filter(), ReadConsistency.ONE, from) / PAGE + 1);
    PointId offset = null;
    long copied = 0;
    for (long n = 0; n < pages; n++) {
      scope.checkpoint();
      PointId at = offset;
      // a page is this request's own reading, not results it returns: outside its result budget
      ScrollPage page =
          unbounded(
              () ->
                  d.points()
                      .scroll(
                          collection,
                          op.filter(),
                          at,
                          PAGE,
                          WithPayload.ALL,
                          WithVectors.ALL,
                          ReadConsistency.LINEARIZABLE,
                          from));
      if (!page.points().isEmpty()) {
        List<Point> points = new ArrayList<>(page.points().size());
        for (PointRecord r : page.points()) {
          points.add(r.asPoint());
        }
        scope.checkpoint();
        d.points().update(collection, new UpdateOp.Upsert(points), true, to);
        copied += points.size();
      }
      if (page.nextOffset() == null) {
        return copied;
      }
      offset = page.nextOffset();
    }
    throw new StorageException.Timeout(
        "replicate_points stopped after "
            + copied
            + " points: the source grew faster than it was copied; run it again");
  }

  private static ScrollPage unbounded(Callable<ScrollPage> read) {
    try {
      return RequestScope.UNBOUNDED.run(read);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
