package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Filter;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Facet counts ({@code POST /collections/{c}/facet}, gRPC {@code Facet}) for both edges: how many
 * points (that pass the filter) hold each value of a payload key, most frequent first, ties by
 * value. As in Qdrant the key must have a keyword, integer, bool or uuid index; the counts are
 * always exact here (the points are read in pages, only the key's payload). Stateless (static
 * methods only), so thread-safe.
 */
public final class Facets {
  private static final Set<String> FACET_TYPES = Set.of("keyword", "integer", "bool", "uuid");

  private Facets() {}

  /** One facet value and the number of points that hold it. */
  public record Hit(Value value, long count) {}

  public static List<Hit> count(
      Dispatcher dispatcher,
      String collection,
      String key,
      Filter filter,
      int limit,
      ReadConsistency consistency,
      ShardSelector shards) {
    var index = dispatcher.catalog().payloadIndexes(collection).get(key);
    if (index == null || !FACET_TYPES.contains(index.dataType())) {
      throw new StorageException.BadInput(
          "Index required but not found for \""
              + key
              + "\" of one of the following types: [keyword, integer, bool, uuid]. Help: Create an"
              + " index for this key or use a different filter.");
    }
    Map<Value, Long> counts = new HashMap<>();
    Pages.each(
        dispatcher,
        collection,
        filter,
        WithPayload.include(List.of(key)),
        WithVectors.NONE,
        consistency,
        shards,
        p -> {
          for (Value v : distinctValues(p.payload(), key)) {
            counts.merge(v, 1L, Long::sum);
          }
        });
    List<Hit> hits = new ArrayList<>();
    counts.forEach((v, n) -> hits.add(new Hit(v, n)));
    hits.sort(
        (a, b) ->
            a.count() != b.count()
                ? Long.compare(b.count(), a.count())
                : order(a.value()).compareTo(order(b.value())));
    return hits.subList(0, Math.min(limit, hits.size()));
  }

  /** The facet-able values (strings, integers, booleans) at a dotted path, each once. */
  static Set<Value> distinctValues(Value.Struct payload, String key) {
    return distinctValues(payload, key, false);
  }

  /**
   * The distinct values at a dotted path ({@code a.b}, {@code a[].b}), array elements counting
   * each: with {@code numbers}, the integers and floats; otherwise strings, integers, booleans.
   */
  static Set<Value> distinctValues(Value.Struct payload, String key, boolean numbers) {
    Set<Value> out = new LinkedHashSet<>();
    if (payload != null) {
      collect(payload, key.replace("[]", "").split("\\."), 0, numbers, out);
    }
    return out;
  }

  private static void collect(Value v, String[] path, int i, boolean numbers, Set<Value> out) {
    if (v instanceof Value.Array a) {
      for (Value e : a.values()) {
        collect(e, path, i, numbers, out);
      }
      return;
    }
    if (i == path.length) {
      boolean wanted =
          numbers
              ? v instanceof Value.Int || v instanceof Value.Double
              : v instanceof Value.Str || v instanceof Value.Int || v instanceof Value.Bool;
      if (wanted) {
        out.add(v);
      }
      return;
    }
    if (v instanceof Value.Struct s) {
      Value child = s.fields().get(path[i]);
      if (child != null) {
        collect(child, path, i + 1, numbers, out);
      }
    }
  }

  /** A sort key for ties: numbers before strings, then natural order. */
  private static String order(Value v) {
    return switch (v) {
      case Value.Int n -> String.format(Locale.ROOT, "0%020d", n.value() + Long.MIN_VALUE);
      case Value.Bool b -> "1" + b.value();
      case Value.Str s -> "2" + s.value();
      default -> "3";
    };
  }
}
