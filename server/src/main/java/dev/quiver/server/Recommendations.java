package dev.quiver.server;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns example-based queries into vector searches, for REST and gRPC alike: {@code recommend} with
 * Qdrant's {@code average_vector} strategy (the average of the positive examples, moved away from
 * the average of the negative ones: {@code avg(pos) + (avg(pos) - avg(neg))}), and a query by point
 * id (the nearest neighbours of that point's vector). Examples are point ids (their stored vector
 * of {@code using}, from {@code lookup_from} when given) or vectors; example points of the searched
 * collection are left out of the results, as in Qdrant.
 */
public final class Recommendations {
  private Recommendations() {}

  /** An example: a point (by id) or a vector. */
  public sealed interface Example {
    record Point(PointId id) implements Example {}

    record Vector(float[] vector) implements Example {}
  }

  /** Where example ids are looked up: another collection and vector, or null for the searched. */
  public record Lookup(String collection, String vector) {}

  /**
   * A search for {@code positive} / {@code negative} examples; {@code template} carries everything
   * else (its vector is ignored).
   */
  public static SearchRequest resolve(
      Dispatcher dispatcher,
      String collection,
      List<Example> positive,
      List<Example> negative,
      String strategy,
      Lookup lookup,
      SearchRequest template,
      ReadConsistency consistency,
      ShardSelector shards) {
    if (strategy != null && !strategy.equals("average_vector")) {
      throw new RequestException.Unsupported(
          "Bad request: the recommendation strategy " + strategy + " is not supported yet");
    }
    if (positive.isEmpty()) {
      throw new StorageException.BadInput(
          "At least one positive vector ID required with this strategy");
    }
    String source = lookup == null ? collection : dispatcher.resolve(lookup.collection());
    String vectorName =
        lookup == null || lookup.vector() == null ? template.vectorName() : lookup.vector();
    Set<PointId> ids = new LinkedHashSet<>();
    for (Example e : concat(positive, negative)) {
      if (e instanceof Example.Point p) {
        ids.add(p.id());
      }
    }
    Map<PointId, float[]> stored = new java.util.HashMap<>();
    if (!ids.isEmpty()) {
      List<PointRecord> found =
          dispatcher.retrieve(
              source,
              List.copyOf(ids),
              WithPayload.NONE,
              WithVectors.only(List.of(vectorName)),
              consistency,
              lookup == null ? shards : ShardSelector.ALL);
      for (PointRecord r : found) {
        float[] v = r.vectors() == null ? null : r.vectors().get(vectorName);
        if (v != null) {
          stored.put(r.id(), v);
        }
      }
      for (PointId id : ids) {
        if (!stored.containsKey(id)) {
          throw new StorageException.NotFound("No point with id " + id + " found");
        }
      }
    }
    float[] pos = average(positive, stored);
    float[] target = pos;
    if (!negative.isEmpty()) {
      float[] neg = average(negative, stored);
      if (neg.length != pos.length) {
        throw new StorageException.BadInput("Vector dimension error: examples differ in size");
      }
      target = new float[pos.length];
      for (int i = 0; i < pos.length; i++) {
        target[i] = pos[i] + (pos[i] - neg[i]);
      }
    }
    Filter filter = template.filter();
    if (lookup == null && !ids.isEmpty()) {
      Filter exclude = new Filter(List.of(), List.of(), List.of(new Condition.HasId(ids)), null);
      filter =
          filter == null
              ? exclude
              : new Filter(
                  List.of(new Condition.Sub(filter)),
                  List.of(),
                  List.of(new Condition.HasId(ids)),
                  null);
    }
    return new SearchRequest(
        template.vectorName(),
        target,
        template.limit(),
        template.offset(),
        template.scoreThreshold(),
        template.withPayload(),
        template.withVectors(),
        template.hnswEf(),
        template.exact(),
        filter);
  }

  private static List<Example> concat(List<Example> a, List<Example> b) {
    List<Example> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static float[] average(List<Example> examples, Map<PointId, float[]> stored) {
    float[] sum = null;
    for (Example e : examples) {
      float[] v =
          switch (e) {
            case Example.Point p -> stored.get(p.id());
            case Example.Vector x -> x.vector();
          };
      if (sum == null) {
        sum = new float[v.length];
      } else if (v.length != sum.length) {
        throw new StorageException.BadInput(
            "Vector dimension error: expected dim: " + sum.length + ", got " + v.length);
      }
      for (int i = 0; i < v.length; i++) {
        sum[i] += v[i];
      }
    }
    for (int i = 0; i < sum.length; i++) {
      sum[i] /= examples.size();
    }
    return sum;
  }
}
