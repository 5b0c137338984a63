package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadValues;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Scroll ordered by a payload value ({@code order_by}) for both edges: the first {@code limit}
 * (value, point) pairs in the direction asked, from {@code start_from}, ties by point id. A point
 * with several values appears once per value, as in Qdrant. The key needs an integer, float or
 * datetime index; date-times order by, and report as their order value, microseconds since the
 * epoch. The matching points are read in pages and the best {@code limit} kept. Stateless (static
 * methods only), so thread-safe.
 */
public final class Ordering {
  private static final Set<String> RANGE_TYPES = Set.of("integer", "float", "datetime");

  private Ordering() {}

  /**
   * What to order by: the key, the direction, and the value to start from (inclusive; a date-time
   * in microseconds since the epoch).
   */
  public record OrderBy(String key, boolean descending, Double startFrom) {}

  /** A {@code start_from} date-time in microseconds since the epoch, or null if it is none. */
  public static Double micros(String datetime) {
    Double millis = PayloadValues.epochMillis(datetime);
    return millis == null ? null : millis * 1000;
  }

  /** A point with the value it was ordered by ({@code Value.Int} or {@code Value.Double}). */
  public record Ordered(PointRecord record, Value value) {}

  public static List<Ordered> scroll(
      Dispatcher dispatcher,
      String collection,
      Filter filter,
      OrderBy by,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector shards) {
    var index = dispatcher.catalog().payloadIndexes(collection).get(by.key());
    boolean datetime = index != null && index.dataType().equals("datetime");
    if (index == null || !RANGE_TYPES.contains(index.dataType())) {
      throw new StorageException.BadInput(
          "No range index for `order_by` key: `"
              + by.key()
              + "`. Please create one to use `order_by`. Check"
              + " https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which"
              + " payload schemas support Range conditions");
    }
    Comparator<Ordered> order =
        Comparator.comparingDouble((Ordered o) -> number(o.value()))
            .thenComparing(o -> o.record().id(), PointId::compareTo);
    if (by.descending()) {
      order =
          Comparator.comparingDouble((Ordered o) -> -number(o.value()))
              .thenComparing(o -> o.record().id(), PointId::compareTo);
    }
    // the worst kept on top, so the heap holds the best `limit`
    PriorityQueue<Ordered> best = new PriorityQueue<>(order.reversed());
    Pages.each(
        dispatcher,
        collection,
        filter,
        WithPayload.ALL,
        withVectors,
        consistency,
        shards,
        p -> {
          for (Value v :
              datetime
                  ? timestamps(p.payload(), by.key())
                  : Facets.distinctValues(p.payload(), by.key(), true)) {
            double x = number(v);
            if (by.startFrom() != null
                && (by.descending() ? x > by.startFrom() : x < by.startFrom())) {
              continue;
            }
            best.add(
                new Ordered(
                    new PointRecord(
                        p.id(),
                        withPayload.select(p.payload()),
                        p.vectors(),
                        p.shardKey(),
                        p.sparseVectors()),
                    v));
            if (best.size() > limit) {
              best.poll();
            }
          }
        });
    List<Ordered> out = new ArrayList<>(best);
    out.sort(order);
    return out;
  }

  /**
   * The date-times at {@code key} as microseconds since the epoch, the order values Qdrant's
   * datetime index gives (values that are not date-times are skipped, as the index skips them).
   */
  private static List<Value> timestamps(Value.Struct payload, String key) {
    List<Value> out = new ArrayList<>();
    for (Value v : Facets.distinctValues(payload, key)) {
      if (v instanceof Value.Str s) {
        Double millis = PayloadValues.epochMillis(s.value());
        if (millis != null) {
          out.add(new Value.Int(millis.longValue() * 1000));
        }
      }
    }
    return out;
  }

  private static double number(Value v) {
    return switch (v) {
      case Value.Int i -> i.value();
      case Value.Double d -> d.value();
      default -> Double.NaN;
    };
  }
}
