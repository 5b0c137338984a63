package dev.quiver.server.guard;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.server.query.Queries;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A collection's {@code strict_mode_config}, as Qdrant keeps and enforces it: stored as set, merged
 * field by field by {@code PATCH}, and, while {@code enabled}, checked on every request before it
 * runs. A violation answers 400 with Qdrant's message and help ({@code Bad request: Limit exceeded
 * 6 > 5 for "limit". Help: ...}).
 *
 * <p>Checked here: {@code max_query_limit} (every limit of a query, its prefetches and scrolls),
 * {@code max_timeout}, {@code search_max_hnsw_ef}, {@code search_allow_exact}, {@code
 * filter_max_conditions}, {@code condition_max_size}, {@code unindexed_filtering_retrieve} and
 * {@code unindexed_filtering_update} (a filtered key needs a payload index of a type that serves
 * the condition), {@code upsert_max_batchsize}, {@code search_max_batchsize}, {@code
 * max_points_count}, {@code max_collection_vector_size_bytes} (points times the bytes of their
 * dense vectors), {@code max_collection_payload_size_bytes} (the encoded payloads this node holds),
 * {@code max_payload_index_count}, {@code sparse_config} lengths, {@code multivector_config}
 * counts, and {@code read_rate_limit} / {@code write_rate_limit} per minute on this node (429; a
 * write costs its points), and {@code search_max_oversampling} (a search's {@code
 * params.quantization.oversampling}). The settings are checked and merged by {@link
 * StrictModeSettings}. Immutable and thread-safe.
 */
public final class StrictMode {
  /** The settings of a collection without strict mode, or with it disabled: nothing is checked. */
  public static final StrictMode OFF = new StrictMode("", Map.of(), Map::of, () -> 0L, 0, () -> 0L);

  /**
   * The node's rate-limit buckets, one per collection and kind, shared by both edges (Qdrant counts
   * per replica, so each node keeps its own).
   */
  static final RateLimiters RATES = new RateLimiters(System::nanoTime);

  private final String collection;
  private final Map<String, Value> fields;
  private final Supplier<Map<String, PayloadIndexSpec>> indexes;
  private final LongSupplier points;
  private final long vectorBytesPerPoint;
  private final LongSupplier payloadBytes;

  private StrictMode(
      String collection,
      Map<String, Value> fields,
      Supplier<Map<String, PayloadIndexSpec>> indexes,
      LongSupplier points,
      long vectorBytesPerPoint,
      LongSupplier payloadBytes) {
    this.collection = collection;
    this.fields = fields;
    this.indexes = indexes;
    this.points = points;
    this.vectorBytesPerPoint = vectorBytesPerPoint;
    this.payloadBytes = payloadBytes;
  }

  /**
   * The strict mode in force for {@code collection}: its settings when enabled (with the
   * collection's payload indexes and points count read when a check needs them), else {@link #OFF}.
   */
  public static StrictMode of(Dispatcher dispatcher, String collection) {
    CollectionConfig config = dispatcher.catalog().config(collection);
    Value.Struct s = config.strictMode();
    if (s == null || !(s.fields().get("enabled") instanceof Value.Bool b) || !b.value()) {
      return OFF;
    }
    long bytes = 0;
    for (VectorParams v : config.vectors().values()) {
      bytes += (long) v.size() * (v.datatype() == null ? 4 : v.datatype().bytes());
    }
    return new StrictMode(
        collection,
        s.fields(),
        () -> dispatcher.catalog().payloadIndexes(collection),
        () -> dispatcher.points().count(collection, null),
        bytes,
        () -> dispatcher.points().localPayloadBytes(collection));
  }

  /**
   * Qdrant's payload storage check: a write that may add payload is refused while the payloads this
   * node holds of the collection (the encoded bytes of its local replicas, as Qdrant estimates from
   * its local shards) are at the limit or past it.
   */
  private void payloadSize() {
    Long max = number("max_collection_payload_size_bytes");
    if (max != null && payloadBytes.getAsLong() >= max) {
      float mb = max / (1024f * 1024f); // in Qdrant's wording: megabytes as a 32-bit float
      throw new StorageException.OverLimit(
          "Max payload storage size limit of "
              + new BigDecimal(Float.toString(mb)).stripTrailingZeros().toPlainString()
              + "MB reached!. Help: Delete points or payloads, or raise"
              + " \"max_collection_payload_size_bytes\".");
    }
  }

  private Long number(String key) {
    return fields.get(key) instanceof Value.Int i ? i.value() : null;
  }

  private Boolean flag(String key) {
    return fields.get(key) instanceof Value.Bool b ? b.value() : null;
  }

  private static StorageException.OverLimit exceeded(long value, long max, String name) {
    return new StorageException.OverLimit(
        "Limit exceeded "
            + value
            + " > "
            + max
            + " for \""
            + name
            + "\". Help: Reduce the \""
            + name
            + "\" parameter to or below "
            + max
            + ".");
  }

  private void limit(String key, long value, String name) {
    Long max = number(key);
    if (max != null && value > max) {
      throw exceeded(value, max, name);
    }
  }

  // ---- the checks ----

  /** A request's {@code timeout} in seconds (0: none). */
  public void timeout(long seconds) {
    if (seconds > 0) {
      limit("max_timeout", seconds, "timeout");
    }
  }

  /** A query with its prefetches: limits, search params and filters. */
  public void query(Queries.Request r) {
    if (this == OFF) {
      return;
    }
    rate("read_rate_limit", 1, "Read");
    timeout(RequestScope.current().timeoutSeconds());
    stage(r.stage());
  }

  private void stage(Queries.Stage s) {
    limit("max_query_limit", s.limit(), "limit");
    if (s.hnswEf() != null) {
      limit("search_max_hnsw_ef", s.hnswEf(), "hnsw_ef");
    }
    if (s.quantization() != null && s.quantization().oversampling() != null) {
      double given = s.quantization().oversampling();
      Value max = fields.get("search_max_oversampling");
      double limit =
          switch (max) {
            case Value.Double d -> d.value();
            case Value.Int i -> i.value();
            case null, default -> Double.POSITIVE_INFINITY;
          };
      if (given > limit) {
        throw new StorageException.OverLimit(
            "Limit exceeded "
                + given
                + " > "
                + limit
                + " for \"oversampling\". Help: Reduce the \"oversampling\" parameter to or"
                + " below "
                + limit
                + ".");
      }
    }
    if (s.exact() && Boolean.FALSE.equals(flag("search_allow_exact"))) {
      throw new StorageException.OverLimit(
          "Exact search disabled!. Help: Set \"exact\" to false in your request.");
    }
    filter(s.filter(), false);
    for (Queries.Stage p : s.prefetch()) {
      stage(p);
    }
  }

  /** A read with a filter and, when it has one, a limit (scroll, count, facet, matrix). */
  public void read(Filter filter, Long limit) {
    if (this == OFF) {
      return;
    }
    rate("read_rate_limit", 1, "Read");
    timeout(RequestScope.current().timeoutSeconds());
    if (limit != null) {
      limit("max_query_limit", limit, "limit");
    }
    filter(filter, false);
  }

  /** How many requests a batch holds ({@code search_max_batchsize}). */
  public void searchBatch(int size) {
    limit("search_max_batchsize", size, "search batch size");
  }

  /**
   * A write: batch sizes, the points count it may grow to, sparse and multivector sizes, and
   * filters of writes by filter.
   */
  public void update(UpdateOp op) {
    if (this == OFF) {
      return;
    }
    timeout(RequestScope.current().timeoutSeconds());
    rate(
        "write_rate_limit",
        switch (op) {
          case UpdateOp.Upsert u -> Math.max(1, u.points().size());
          case UpdateOp.UpdateVectors v -> Math.max(1, v.points().size());
          default -> 1;
        },
        "Write");
    switch (op) {
      case UpdateOp.Upsert u -> {
        limit("upsert_max_batchsize", u.points().size(), "upsert limit");
        Long max = number("max_points_count");
        Long maxBytes = number("max_collection_vector_size_bytes");
        if (max != null || maxBytes != null) {
          long after = points.getAsLong() + u.points().size();
          if (max != null && after > max) {
            throw new StorageException.OverLimit(
                "Max points count limit of "
                    + max
                    + " reached!. Help: Delete points or raise \"max_points_count\".");
          }
          if (maxBytes != null && after * vectorBytesPerPoint > maxBytes) {
            throw new StorageException.OverLimit(
                "Max vector storage size limit of "
                    + maxBytes
                    + " bytes reached!. Help: Delete points or raise"
                    + " \"max_collection_vector_size_bytes\".");
          }
        }
        u.points()
            .forEach(
                p -> {
                  if (p.sparseVectors() != null) {
                    p.sparseVectors()
                        .forEach(
                            (name, v) ->
                                perVector(
                                    "sparse_config",
                                    "max_length",
                                    name,
                                    v.size(),
                                    "sparse vector length"));
                  }
                  if (p.multiVectors() != null) {
                    p.multiVectors()
                        .forEach(
                            (name, rows) ->
                                perVector(
                                    "multivector_config",
                                    "max_vectors",
                                    name,
                                    rows.length,
                                    "multivector size"));
                  }
                });
      }
      case UpdateOp.UpdateVectors v ->
          limit("upsert_max_batchsize", v.points().size(), "update limit");
      default -> {}
    }
    if (op instanceof UpdateOp.Upsert
        || op instanceof UpdateOp.SetPayload
        || op instanceof UpdateOp.OverwritePayload) {
      payloadSize();
    }
    Filter f = filterOf(op);
    if (f != null) {
      filter(f, true);
    }
  }

  private void rate(String key, long cost, String what) {
    Long perMinute = number(key);
    if (perMinute != null) {
      RATES.acquire(collection + "\u0000" + key, perMinute, cost, what);
    }
  }

  /** A per-vector size cap ({@code sparse_config.*.max_length}, {@code multivector_config.*}). */
  private void perVector(String config, String cap, String name, int size, String what) {
    if (fields.get(config) instanceof Value.Struct s
        && s.fields().get(name) instanceof Value.Struct limits
        && limits.fields().get(cap) instanceof Value.Int max
        && size > max.value()) {
      throw exceeded(size, max.value(), what + " of `" + name + "`");
    }
  }

  /** A new payload index, given how many the collection has ({@code max_payload_index_count}). */
  public void newPayloadIndex(int existing) {
    limit("max_payload_index_count", existing + 1L, "payload index count");
  }

  private static Filter filterOf(UpdateOp op) {
    PointSelector selector =
        switch (op) {
          case UpdateOp.DeleteByFilter d -> new PointSelector.ByFilter(d.filter());
          case UpdateOp.SetPayload p -> p.selector();
          case UpdateOp.OverwritePayload p -> p.selector();
          case UpdateOp.DeletePayload p -> p.selector();
          case UpdateOp.DeleteVectors v -> v.selector();
          case UpdateOp.ClearPayload c -> c.selector();
          default -> null;
        };
    return selector instanceof PointSelector.ByFilter f ? f.filter() : null;
  }

  // ---- filters ----

  private void filter(Filter f, boolean update) {
    if (f == null || this == OFF) {
      return;
    }
    List<Condition> all = new ArrayList<>();
    walk(f, all::add);
    limit("filter_max_conditions", all.size(), "filter conditions");
    Long maxSize = number("condition_max_size");
    Boolean unindexed =
        flag(update ? "unindexed_filtering_update" : "unindexed_filtering_retrieve");
    for (Condition c : all) {
      if (maxSize != null) {
        int size = size(c);
        if (size > maxSize) {
          throw exceeded(size, maxSize, "condition value count");
        }
      }
      if (Boolean.FALSE.equals(unindexed)) {
        requireIndex(c, indexes.get());
      }
    }
  }

  private static void walk(Filter f, Consumer<Condition> each) {
    List<Condition> conditions = new ArrayList<>(f.must());
    conditions.addAll(f.should());
    conditions.addAll(f.mustNot());
    if (f.minShould() != null) {
      conditions.addAll(f.minShould().conditions());
    }
    for (Condition c : conditions) {
      switch (c) {
        case Condition.Sub s -> walk(s.filter(), each);
        case Condition.Nested n -> {
          each.accept(c);
          walk(n.filter(), each);
        }
        default -> each.accept(c);
      }
    }
  }

  private static int size(Condition c) {
    return switch (c) {
      case Condition.MatchAny m -> m.values().size();
      case Condition.MatchExcept m -> m.values().size();
      case Condition.HasId h -> h.ids().size();
      case Condition.GeoPolygon g ->
          g.exterior().size() + g.interiors().stream().mapToInt(List::size).sum();
      default -> 1;
    };
  }

  /** A filtered key needs an index of a type that serves its condition, as Qdrant requires. */
  private static void requireIndex(Condition c, Map<String, PayloadIndexSpec> indexes) {
    String key;
    Set<String> types;
    switch (c) {
      case Condition.Match m -> {
        key = m.key();
        types = typesFor(m.value());
      }
      case Condition.MatchAny m -> {
        key = m.key();
        types = m.values().isEmpty() ? Set.of("keyword") : typesFor(m.values().getFirst());
      }
      case Condition.MatchExcept m -> {
        key = m.key();
        types = m.values().isEmpty() ? Set.of("keyword") : typesFor(m.values().getFirst());
      }
      case Condition.MatchText m -> {
        key = m.key();
        types = Set.of("text");
      }
      case Condition.MatchPrefix m -> {
        key = m.key();
        types = Set.of("keyword");
      }
      case Condition.Range r -> {
        key = r.key();
        types = r.datetime() ? Set.of("datetime") : Set.of("integer", "float");
      }
      case Condition.GeoBoundingBox g -> {
        key = g.key();
        types = Set.of("geo");
      }
      case Condition.GeoRadius g -> {
        key = g.key();
        types = Set.of("geo");
      }
      case Condition.GeoPolygon g -> {
        key = g.key();
        types = Set.of("geo");
      }
      default -> {
        return; // ids, vectors, emptiness and counts need no index
      }
    }
    PayloadIndexSpec spec = indexes.get(key);
    if (spec == null || !types.contains(spec.dataType())) {
      throw new StorageException.OverLimit(
          "Index required but not found for \""
              + key
              + "\" of one of the following types: ["
              + String.join(", ", types.stream().sorted(StrictMode::typeOrder).toList())
              + "]. Help: Create an index for this key or use a different filter.");
    }
  }

  private static Set<String> typesFor(Value v) {
    return switch (v) {
      case Value.Int i -> Set.of("integer");
      case Value.Bool b -> Set.of("bool");
      default -> Set.of("keyword", "uuid");
    };
  }

  private static int typeOrder(String a, String b) {
    List<String> order =
        List.of("keyword", "uuid", "integer", "float", "bool", "datetime", "geo", "text");
    return Integer.compare(order.indexOf(a), order.indexOf(b));
  }
}
