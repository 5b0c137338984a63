package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.query.Queries.Example;
import dev.quiver.server.query.Queries.FeedbackItem;
import dev.quiver.server.query.Queries.Lookup;
import dev.quiver.server.query.Queries.Mmr;
import dev.quiver.server.query.Queries.Pair;
import dev.quiver.server.query.Queries.Query;
import dev.quiver.server.query.Queries.Stage;
import dev.quiver.server.query.Queries.Strategy;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One query's evaluation: its stages run over the dispatcher's capabilities, prefetches first, each
 * stage's query re-ranking what they found (vectors, examples, fusion, ordering, sampling,
 * formulas, relevance feedback, MMR), then the payloads and vectors of the results read in one
 * call. Holds the collection, its consistency and shards, and the configuration once read; one
 * instance serves one request on one thread.
 */
final class QueryRun {
  private final Dispatcher dispatcher;
  private final String collection;
  private final ReadConsistency consistency;
  private final ShardSelector shards;
  private CollectionConfig config;

  QueryRun(
      Dispatcher dispatcher, String collection, ReadConsistency consistency, ShardSelector shards) {
    this.dispatcher = dispatcher;
    this.collection = collection;
    this.consistency = consistency;
    this.shards = shards;
  }

  /**
   * The best {@code limit} points of {@code s}, under the filter of the stages above it. Points a
   * prefetch without a query finds score 1 (the request's own level without a query: 0), as in
   * Qdrant.
   */
  List<ScoredPoint> stage(Stage s, Filter inherited, int limit, boolean prefetch) {
    Filter filter = QueryFilters.and(inherited, s.filter());
    if (!s.prefetch().isEmpty()) {
      List<List<ScoredPoint>> found = new ArrayList<>();
      for (Stage p : s.prefetch()) {
        found.add(stage(p, filter, p.limit(), true));
      }
      return rerank(s, filter, found, limit);
    }
    return switch (s.query()) {
      case null -> byId(filter, limit, prefetch ? 1f : 0f);
      case Query.Fusion f ->
          throw new RequestException.Malformed(
              "Bad request: cannot apply Fusion without prefetches");
      case Query.ByFormula f ->
          throw new StorageException.BadInput("cannot apply Formula without prefetches");
      case Query.OrderBy o -> ordered(filter, o.by(), limit);
      case Query.Sample _ -> sample(filter, null, limit);
      default -> scored(s, filter, null, limit);
    };
  }

  /** Re-ranks what the prefetches found with the stage's query. */
  private List<ScoredPoint> rerank(
      Stage s, Filter filter, List<List<ScoredPoint>> found, int limit) {
    Map<PointId, ScoredPoint> union = new LinkedHashMap<>();
    found.forEach(list -> list.forEach(p -> union.putIfAbsent(p.id(), p)));
    if (union.isEmpty()) {
      return List.of();
    }
    return switch (s.query()) {
      case null -> new ArrayList<>(union.values()).subList(0, Math.min(limit, union.size()));
      case Query.Fusion f -> Fusion.fuse(f, found, s.scoreThreshold(), limit);
      case Query.ByFormula f ->
          FormulaRescore.rescore(
              dispatcher,
              collection,
              consistency,
              shards,
              f.formula(),
              found,
              union,
              s.scoreThreshold(),
              limit);
      case Query.OrderBy o ->
          ordered(QueryFilters.and(filter, QueryFilters.ids(union.keySet())), o.by(), limit);
      case Query.Sample _ -> sample(null, new ArrayList<>(union.values()), limit);
      default -> scored(s, filter, union.keySet(), limit);
    };
  }

  /** Points by id, all with {@code score}. */
  private List<ScoredPoint> byId(Filter filter, int limit, float score) {
    List<ScoredPoint> out = new ArrayList<>();
    for (PointRecord r :
        dispatcher
            .points()
            .scroll(
                collection,
                filter,
                null,
                limit,
                WithPayload.NONE,
                WithVectors.NONE,
                consistency,
                shards)
            .points()) {
      out.add(new ScoredPoint(r.id(), 0, score, null, null, r.shardKey()));
    }
    return out;
  }

  private List<ScoredPoint> ordered(Filter filter, Ordering.OrderBy by, int limit) {
    List<ScoredPoint> out = new ArrayList<>();
    for (Ordering.Ordered o :
        Ordering.scroll(
            dispatcher,
            collection,
            filter,
            by,
            limit,
            WithPayload.NONE,
            WithVectors.NONE,
            consistency,
            shards)) {
      PointRecord r = o.record();
      out.add(new ScoredPoint(r.id(), 0, 0f, null, null, r.shardKey(), o.value()));
    }
    return out;
  }

  /** {@code limit} points drawn at random from the filter's matches or from {@code pool}. */
  private List<ScoredPoint> sample(Filter filter, List<ScoredPoint> pool, int limit) {
    List<ScoredPoint> out = new ArrayList<>();
    if (pool != null) {
      List<ScoredPoint> shuffled = new ArrayList<>(pool);
      Collections.shuffle(shuffled, ThreadLocalRandom.current());
      shuffled.stream().limit(limit).forEach(p -> out.add(p.withScore(0f)));
    } else {
      for (PointRecord r :
          Pages.sample(dispatcher, collection, filter, limit, consistency, shards)) {
        out.add(new ScoredPoint(r.id(), 0, 0f, null, null, r.shardKey()));
      }
    }
    return out;
  }

  /**
   * A vector query: a search for nearest / {@code average_vector} queries, else every candidate
   * scored against the examples. {@code among} restricts the candidates (prefetch results).
   */
  private List<ScoredPoint> scored(Stage s, Filter filter, Set<PointId> among, int limit) {
    if (config().sparseVectors().containsKey(s.using())) {
      return scored(new VectorKind.Sparse(s.using()), s, filter, among, limit);
    }
    if (params(s.using()).multivector()) {
      return scored(new VectorKind.Multi(s.using(), params(s.using())), s, filter, among, limit);
    }
    return scored(new VectorKind.Dense(s.using(), params(s.using())), s, filter, among, limit);
  }

  private <V> List<ScoredPoint> scored(
      VectorKind<V> kind, Stage s, Filter filter, Set<PointId> among, int limit) {
    Examples<V> ex = new Examples<>(s, kind);
    Set<PointId> excluded = new LinkedHashSet<>();
    Filter restricted = among == null ? filter : QueryFilters.and(filter, QueryFilters.ids(among));
    switch (s.query()) {
      case Query.Nearest n -> {
        V target = ex.vector(n.target(), excluded);
        if (n.mmr() != null) {
          return mmr(
              kind, s, QueryFilters.without(restricted, excluded), target, n.mmr(), among, limit);
        }
        return search(
            kind, s, QueryFilters.without(restricted, excluded), target, limit, among != null);
      }
      case Query.Recommend r when r.strategy() == Strategy.AVERAGE_VECTOR -> {
        if (r.positive().isEmpty()) {
          throw new StorageException.BadInput(
              "At least one positive vector ID required with this strategy");
        }
        V pos = kind.average(ex.vectors(r.positive(), excluded));
        V target =
            r.negative().isEmpty()
                ? pos
                : kind.awayFrom(pos, kind.average(ex.vectors(r.negative(), excluded)));
        return search(
            kind, s, QueryFilters.without(restricted, excluded), target, limit, among != null);
      }
      default -> {
        ExampleScores.Scorer<V> scorer = scorer(kind, s.query(), ex, excluded);
        return rescore(kind, s, QueryFilters.without(restricted, excluded), scorer, among, limit);
      }
    }
  }

  /**
   * The example-based scorer of a recommendation ({@code best_score}, {@code sum_scores}), a
   * discovery or a context query.
   */
  private <V> ExampleScores.Scorer<V> scorer(
      VectorKind<V> kind, Query q, Examples<V> ex, Set<PointId> excluded) {
    return switch (q) {
      case Query.Recommend r -> {
        if (r.positive().isEmpty() && r.negative().isEmpty()) {
          throw new StorageException.BadInput(
              "At least one positive or negative vector ID required with this strategy");
        }
        List<V> pos = ex.vectors(r.positive(), excluded);
        List<V> neg = ex.vectors(r.negative(), excluded);
        boolean sum = r.strategy() == Strategy.SUM_SCORES;
        List<V> all = new ArrayList<>(pos);
        all.addAll(neg);
        yield new ExampleScores.Scorer<>(
            kind.attract(pos.isEmpty() ? neg : pos, all),
            v ->
                sum
                    ? ExampleScores.sumScores(kind, v, pos, neg)
                    : ExampleScores.bestScore(kind, v, pos, neg));
      }
      case Query.Discover x -> {
        V target = ex.vector(x.target(), excluded);
        List<List<V>> pairs = ex.pairs(x.context(), excluded);
        List<V> all = new ArrayList<>(List.of(target));
        pairs.forEach(all::addAll);
        yield new ExampleScores.Scorer<>(
            kind.attract(List.of(target), all),
            v -> {
              int rank = 0;
              for (List<V> p : pairs) {
                rank += kind.similarity(v, p.get(0)) > kind.similarity(v, p.get(1)) ? 1 : -1;
              }
              return rank + ExampleScores.scaledSigmoid(kind.similarity(v, target));
            });
      }
      case Query.Context c -> {
        if (c.pairs().isEmpty()) {
          throw new StorageException.BadInput("Bad request: context needs at least one pair");
        }
        List<List<V>> pairs = ex.pairs(c.pairs(), excluded);
        List<V> attract = new ArrayList<>();
        List<V> all = new ArrayList<>();
        pairs.forEach(
            p -> {
              attract.add(p.get(0));
              all.addAll(p);
            });
        yield new ExampleScores.Scorer<>(
            kind.attract(attract, all),
            v -> {
              float loss = 0;
              for (List<V> p : pairs) {
                float diff =
                    kind.similarity(v, p.get(0)) - kind.similarity(v, p.get(1)) - Math.ulp(1f);
                loss += Math.min(0f, ExampleScores.sigmoid(diff));
              }
              return loss;
            });
      }
      case Query.Feedback f -> {
        V target = ex.vector(f.target(), excluded);
        List<V> all = new ArrayList<>(List.of(target));
        // ordered pairs (better, worse) by feedback score, each weighted as Qdrant weighs them
        List<V> examples = new ArrayList<>();
        for (FeedbackItem item : f.feedback()) {
          examples.add(ex.vector(item.example(), excluded));
        }
        all.addAll(examples);
        List<V> better = new ArrayList<>();
        List<V> worse = new ArrayList<>();
        List<Float> weights = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
          for (int j = 0; j < examples.size(); j++) {
            float confidence = f.feedback().get(i).score() - f.feedback().get(j).score();
            if (i != j && confidence > 0) {
              better.add(examples.get(i));
              worse.add(examples.get(j));
              weights.add((float) Math.pow(confidence, f.b()) * f.c());
            }
          }
        }
        yield new ExampleScores.Scorer<>(
            kind.attract(List.of(target), all),
            v -> {
              float score = f.a() * kind.similarity(v, target);
              for (int k = 0; k < weights.size(); k++) {
                score +=
                    weights.get(k)
                        * (kind.similarity(v, better.get(k)) - kind.similarity(v, worse.get(k)));
              }
              return score;
            });
      }
      default -> throw new IllegalStateException("not an example-based query: " + q);
    };
  }

  /** A plain search for {@code target} (restricted to prefetched points: an exact one). */
  private <V> List<ScoredPoint> search(
      VectorKind<V> kind, Stage s, Filter filter, V target, int limit, boolean restricted) {
    return dispatcher
        .points()
        .search(
            collection,
            kind.request(
                    target,
                    limit,
                    s.scoreThreshold(),
                    WithVectors.NONE,
                    s.hnswEf(),
                    s.exact() || restricted,
                    filter)
                .withQuantization(s.quantization())
                .withAcorn(s.acorn()),
            consistency,
            shards);
  }

  /**
   * Scores candidates with {@code scorer}: the prefetched points, every match when there are few
   * (or {@code exact}), else the nearest neighbours of each attracting example.
   */
  private <V> List<ScoredPoint> rescore(
      VectorKind<V> kind,
      Stage s,
      Filter filter,
      ExampleScores.Scorer<V> scorer,
      Set<PointId> among,
      int limit) {
    Map<PointId, ScoredPoint> candidates =
        candidates(kind, s, filter, scorer.attract(), among, limit);
    List<ScoredPoint> out = new ArrayList<>(candidates.size());
    for (ScoredPoint p : candidates.values()) {
      V v = kind.stored(p.vectors(), p.sparseVectors(), p.multiVectors());
      if (v == null) {
        continue;
      }
      float score = scorer.score().applyAsFloat(v);
      if (s.scoreThreshold() == null || score >= s.scoreThreshold()) {
        out.add(new ScoredPoint(p.id(), p.version(), score, null, null, p.shardKey()));
      }
    }
    out.sort(Queries.BEST_FIRST);
    return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
  }

  /** Candidate points with their vector of {@code s.using()}. */
  private <V> Map<PointId, ScoredPoint> candidates(
      VectorKind<V> kind, Stage s, Filter filter, List<V> attract, Set<PointId> among, int limit) {
    long matching =
        among != null
            ? among.size()
            : s.exact()
                ? Integer.MAX_VALUE
                : dispatcher.points().count(collection, filter, consistency, shards);
    boolean all = among != null || s.exact() || matching <= Queries.EXACT_CANDIDATES;
    int fetch =
        all
            ? (int) Math.min(Integer.MAX_VALUE - 1, Math.max(1, matching))
            : (int)
                Math.min(
                    Integer.MAX_VALUE - 1,
                    Math.max(4L * limit, s.hnswEf() == null ? 128 : s.hnswEf()));
    Map<PointId, ScoredPoint> out = new LinkedHashMap<>();
    for (V a : all ? attract.subList(0, 1) : attract) {
      for (ScoredPoint p :
          dispatcher
              .points()
              .search(
                  collection,
                  kind.request(
                          a,
                          fetch,
                          null,
                          WithVectors.only(List.of(s.using())),
                          all ? null : Math.max(fetch, s.hnswEf() == null ? 0 : s.hnswEf()),
                          all,
                          filter)
                      .withQuantization(s.quantization())
                      .withAcorn(s.acorn()),
                  consistency,
                  shards)) {
        out.putIfAbsent(p.id(), p);
      }
    }
    return out;
  }

  /**
   * Maximal marginal relevance over the nearest candidates: each next result maximises {@code (1 -
   * diversity) * relevance - diversity * (its similarity to the closest chosen one)}; the results
   * keep their search scores.
   */
  private <V> List<ScoredPoint> mmr(
      VectorKind<V> kind,
      Stage s,
      Filter filter,
      V target,
      Mmr mmr,
      Set<PointId> among,
      int limit) {
    int pool = Math.max(limit, mmr.candidates() == null ? limit : mmr.candidates());
    List<ScoredPoint> candidates =
        dispatcher
            .points()
            .search(
                collection,
                kind.request(
                        target,
                        pool,
                        s.scoreThreshold(),
                        WithVectors.only(List.of(s.using())),
                        s.hnswEf(),
                        s.exact() || among != null,
                        filter)
                    .withQuantization(s.quantization())
                    .withAcorn(s.acorn()),
                consistency,
                shards);
    V query = kind.prepare(target);
    int n = candidates.size();
    List<V> vectors = new ArrayList<>(n);
    float[] relevance = new float[n];
    for (int i = 0; i < n; i++) {
      ScoredPoint c = candidates.get(i);
      vectors.add(kind.stored(c.vectors(), c.sparseVectors(), c.multiVectors()));
      relevance[i] = kind.similarity(vectors.get(i), query);
    }
    float lambda = 1f - mmr.diversity();
    float[] closest = new float[n];
    Arrays.fill(closest, Float.NEGATIVE_INFINITY);
    boolean[] chosen = new boolean[n];
    List<ScoredPoint> out = new ArrayList<>();
    while (out.size() < Math.min(limit, n)) {
      int best = -1;
      float bestScore = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        if (chosen[i]) {
          continue;
        }
        float penalty = out.isEmpty() ? 0f : closest[i];
        float score = lambda * relevance[i] - (1f - lambda) * penalty;
        if (best < 0 || score > bestScore) {
          best = i;
          bestScore = score;
        }
      }
      chosen[best] = true;
      ScoredPoint p = candidates.get(best);
      out.add(new ScoredPoint(p.id(), p.version(), p.score(), null, null, p.shardKey()));
      for (int i = 0; i < n; i++) {
        if (!chosen[i]) {
          closest[i] = Math.max(closest[i], kind.similarity(vectors.get(i), vectors.get(best)));
        }
      }
    }
    return out;
  }

  /** Reads the requested payload and vectors of the final results, in one call. */
  List<ScoredPoint> attach(
      List<ScoredPoint> ranked, WithPayload withPayload, WithVectors withVectors) {
    boolean none = !withPayload.enabled() && !withVectors.enabled();
    List<ScoredPoint> out = new ArrayList<>(ranked.size());
    Map<PointId, PointRecord> records = new HashMap<>();
    if (!none && !ranked.isEmpty()) {
      List<PointId> ids = ranked.stream().map(ScoredPoint::id).toList();
      for (PointRecord r :
          dispatcher
              .points()
              .retrieve(collection, ids, withPayload, withVectors, consistency, shards)) {
        records.put(r.id(), r);
      }
    }
    for (ScoredPoint p : ranked) {
      PointRecord r = records.get(p.id());
      if (!none && r == null) {
        continue; // deleted meanwhile
      }
      out.add(
          new ScoredPoint(
              p.id(),
              p.version(),
              p.score(),
              r == null ? null : r.payload(),
              r == null ? null : r.vectors(),
              r != null && r.shardKey() != null ? r.shardKey() : p.shardKey(),
              p.orderValue(),
              r == null ? null : r.sparseVectors(),
              r == null ? null : r.multiVectors()));
    }
    return out;
  }

  /** Example vectors of one stage: ids read from its lookup location, checked by its kind. */
  private final class Examples<V> {
    private final Stage stage;
    private final VectorKind<V> kind;
    private final String source;
    private final String sourceVector;

    Examples(Stage stage, VectorKind<V> kind) {
      this.stage = stage;
      this.kind = kind;
      Lookup lookup = stage.lookup();
      this.source = lookup == null ? collection : dispatcher.catalog().resolve(lookup.collection());
      this.sourceVector =
          lookup == null || lookup.vector() == null ? stage.using() : lookup.vector();
    }

    /**
     * The vector of one example; a point of the searched collection is added to {@code excluded}.
     */
    V vector(Example e, Set<PointId> excluded) {
      return vectors(List.of(e), excluded).getFirst();
    }

    List<V> vectors(List<Example> examples, Set<PointId> excluded) {
      List<PointId> ids = new ArrayList<>();
      for (Example e : examples) {
        if (e instanceof Example.Point p) {
          ids.add(p.id());
        }
      }
      Map<PointId, V> stored = new HashMap<>();
      if (!ids.isEmpty()) {
        for (PointRecord r :
            dispatcher
                .points()
                .retrieve(
                    source,
                    ids,
                    WithPayload.NONE,
                    WithVectors.only(List.of(sourceVector)),
                    consistency,
                    stage.lookup() == null ? shards : ShardSelector.ALL)) {
          V v = kind.stored(r.vectors(), r.sparseVectors(), r.multiVectors(), sourceVector);
          if (v != null) {
            stored.put(r.id(), v);
          }
        }
        if (stage.lookup() == null) {
          excluded.addAll(ids);
        }
      }
      List<V> out = new ArrayList<>(examples.size());
      for (Example e : examples) {
        V v;
        if (e instanceof Example.Point p) {
          v = stored.get(p.id());
          if (v == null) {
            throw new StorageException.NotFound("No point with id " + p.id() + " found");
          }
        } else {
          v = kind.given(e);
        }
        out.add(kind.prepare(v));
      }
      return out;
    }

    List<List<V>> pairs(List<Pair> pairs, Set<PointId> excluded) {
      List<Example> flat = new ArrayList<>();
      pairs.forEach(
          p -> {
            flat.add(p.positive());
            flat.add(p.negative());
          });
      List<V> vs = vectors(flat, excluded);
      List<List<V>> out = new ArrayList<>();
      for (int i = 0; i < vs.size(); i += 2) {
        out.add(List.of(vs.get(i), vs.get(i + 1)));
      }
      return out;
    }
  }

  private CollectionConfig config() {
    if (config == null) {
      config = dispatcher.catalog().config(collection);
    }
    return config;
  }

  private VectorParams params(String using) {
    VectorParams p = config().vectors().get(using);
    if (p == null) {
      throw new StorageException.BadInput("Not existing vector name error: " + using);
    }
    return p;
  }
}
