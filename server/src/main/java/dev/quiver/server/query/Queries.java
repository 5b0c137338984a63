package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.AcornParams;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.QuantizationParams;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.Comparator;
import java.util.List;

/**
 * Qdrant's universal query ({@code /points/query}, gRPC {@code Query}) and the older calls built on
 * it (search, recommend, discover), for REST and gRPC alike: the model of a query ({@link Request},
 * its {@link Stage}s, their {@link Query} and {@link Example}s), which both edges decode into, and
 * {@link #run}, which answers a plain search directly and hands everything else to a {@code
 * QueryRun}.
 *
 * <p>A {@link Stage} without prefetches asks the collection: nearest neighbours of a vector or a
 * point (optionally re-ranked by maximal marginal relevance), a recommendation from positive and
 * negative examples ({@code average_vector}: one search for {@code avg(pos) + (avg(pos) -
 * avg(neg))}; {@code best_score} and {@code sum_scores}: every candidate scored against every
 * example), a discovery (a target constrained by context pairs), a context search, an order by a
 * payload value, a random sample, or (no query) points by id. With prefetches, the stage's query
 * re-ranks the union of what they found, or fuses their rankings ({@code rrf}, {@code dbsf}). A
 * stage's filter also applies to its prefetches, as in Qdrant.
 *
 * <p>Example-based scores follow Qdrant's formulas on the raw similarity (dot product, or the
 * negated Euclid / Manhattan distance). Candidates for them are every matching point when there are
 * at most {@value #EXACT_CANDIDATES} (or {@code exact} is asked), otherwise the nearest neighbours
 * of each attracting example; example points of the searched collection are never results.
 * Stateless (static methods only), so thread-safe.
 */
public final class Queries {
  /** Up to this many matching points, example-based scorers look at all of them. */
  static final int EXACT_CANDIDATES = 10_000;

  /** Qdrant's default {@code k} of reciprocal rank fusion. */
  public static final int RRF_K = 2;

  private Queries() {}

  /** An example: a point (by id) or a vector. */
  public sealed interface Example {
    record Point(PointId id) implements Example {}

    record Vector(float[] vector) implements Example {}

    /** A sparse vector, for a query by a sparse vector of the collection. */
    record Sparse(SparseVector vector) implements Example {}

    /** A multivector (rows of the vector's size), for a query by a multivector. */
    record Multi(float[][] rows) implements Example {
      /** The rows one after the other, as a search carries them. */
      float[] flat() {
        int dim = rows.length == 0 ? 0 : rows[0].length;
        float[] out = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
          if (rows[i].length != dim) {
            throw new StorageException.BadInput(
                "Wrong input: the vectors of a multivector must have the same size");
          }
          System.arraycopy(rows[i], 0, out, i * dim, dim);
        }
        return out;
      }
    }
  }

  /** Where example ids are looked up: another collection and vector, or null for the searched. */
  public record Lookup(String collection, String vector) {}

  /** A context pair: be closer to {@code positive} than to {@code negative}. */
  public record Pair(Example positive, Example negative) {}

  /** How a recommendation combines its examples. */
  public enum Strategy {
    AVERAGE_VECTOR,
    BEST_SCORE,
    SUM_SCORES;

    /** From Qdrant's wire name ({@code average_vector}, ...), null for the default. */
    public static Strategy of(String wire) {
      if (wire == null) {
        return AVERAGE_VECTOR;
      }
      for (Strategy s : values()) {
        if (s.name().equalsIgnoreCase(wire)) {
          return s;
        }
      }
      throw new RequestException.Invalid(
          "body",
          "strategy",
          "unknown variant `" + wire + "`, expected one of average_vector, best_score, sum_scores");
    }
  }

  /** Maximal marginal relevance: {@code diversity} in [0, 1], candidates (null: the limit). */
  public record Mmr(float diversity, Integer candidates) {}

  /** What a stage asks. A null query means: points in id order (or the prefetches' union). */
  public sealed interface Query {
    record Nearest(Example target, Mmr mmr) implements Query {}

    record Recommend(List<Example> positive, List<Example> negative, Strategy strategy)
        implements Query {}

    record Discover(Example target, List<Pair> context) implements Query {}

    record Context(List<Pair> pairs) implements Query {}

    record OrderBy(Ordering.OrderBy by) implements Query {}

    /** {@code rrf} (with {@code k} and optional per-prefetch weights) or {@code dbsf}. */
    record Fusion(boolean dbsf, int k, List<Float> weights) implements Query {}

    record Sample() implements Query {}

    /** A formula over the prefetches' scores and the points' payloads (score boosting). */
    record ByFormula(Formula formula) implements Query {}

    /**
     * Relevance feedback with Qdrant's naive strategy: {@code a * sim(target) + sum over pairs of
     * feedback examples (better, worse) of (their score difference)^b * c * (sim(better) -
     * sim(worse))}.
     */
    record Feedback(Example target, List<FeedbackItem> feedback, float a, float b, float c)
        implements Query {
      /** Bound on the feedback examples: the scorer weighs every ordered pair of them. */
      public static final int MAX_EXAMPLES = 64;

      public Feedback {
        if (feedback.size() > MAX_EXAMPLES) {
          throw new RequestException.Invalid(
              "body",
              "relevance_feedback.feedback",
              "at most " + MAX_EXAMPLES + " examples, got " + feedback.size());
        }
        feedback = List.copyOf(feedback);
      }
    }
  }

  /** One example of a relevance feedback query with the score a feedback model gave it. */
  public record FeedbackItem(Example example, float score) {}

  /** One level of a query: its prefetches, its query, and its search settings. */
  public record Stage(
      List<Stage> prefetch,
      Query query,
      String using,
      Filter filter,
      Integer hnswEf,
      boolean exact,
      Float scoreThreshold,
      int limit,
      Lookup lookup,
      QuantizationParams quantization,
      AcornParams acorn) {
    public Stage {
      prefetch = List.copyOf(prefetch);
    }

    /** A stage with the default quantization parameters. */
    public Stage(
        List<Stage> prefetch,
        Query query,
        String using,
        Filter filter,
        Integer hnswEf,
        boolean exact,
        Float scoreThreshold,
        int limit,
        Lookup lookup) {
      this(
          prefetch, query, using, filter, hnswEf, exact, scoreThreshold, limit, lookup, null, null);
    }
  }

  /** A whole query: the top stage, how many of its best to skip, and what to return. */
  public record Request(
      Stage stage, int offset, WithPayload withPayload, WithVectors withVectors) {}

  /** A plain nearest-vector search as a query. */
  public static Request nearest(SearchRequest r) {
    return new Request(
        new Stage(
            List.of(),
            new Query.Nearest(new Example.Vector(r.vector()), null),
            r.vectorName(),
            r.filter(),
            r.hnswEf(),
            r.exact(),
            r.scoreThreshold(),
            r.limit(),
            null,
            r.quantization(),
            r.acorn()),
        r.offset(),
        r.withPayload(),
        r.withVectors());
  }

  /** Runs {@code request}; the results are best first. */
  public static List<ScoredPoint> run(
      Dispatcher dispatcher,
      String collection,
      Request request,
      ReadConsistency consistency,
      ShardSelector shards) {
    Stage s = request.stage();
    Example target =
        s.prefetch().isEmpty() && s.query() instanceof Query.Nearest n && n.mmr() == null
            ? n.target()
            : null;
    // the common case: one search, payload and vectors read on the way
    SearchRequest direct =
        switch (target) {
          case Example.Vector v -> direct(s, v.vector(), request);
          case Example.Multi m -> direct(s, m.flat(), request);
          case Example.Sparse v ->
              SearchRequest.sparse(
                  s.using(),
                  v.vector(),
                  s.limit(),
                  request.offset(),
                  s.scoreThreshold(),
                  request.withPayload(),
                  request.withVectors(),
                  s.exact(),
                  s.filter());
          case null, default -> null;
        };
    if (direct != null) {
      return dispatcher.points().search(collection, direct, consistency, shards);
    }
    QueryRun run = new QueryRun(dispatcher, collection, consistency, shards);
    List<ScoredPoint> ranked =
        run.stage(
            s, null, (int) Math.min((long) s.limit() + request.offset(), Integer.MAX_VALUE), false);
    ranked = ranked.subList(Math.min(request.offset(), ranked.size()), ranked.size());
    return run.attach(ranked, request.withPayload(), request.withVectors());
  }

  /** The search of a stage without prefetches whose query is a dense vector (or rows of one). */
  private static SearchRequest direct(Stage s, float[] vector, Request request) {
    return new SearchRequest(
        s.using(),
        vector,
        s.limit(),
        request.offset(),
        s.scoreThreshold(),
        request.withPayload(),
        request.withVectors(),
        s.hnswEf(),
        s.exact(),
        s.filter(),
        null,
        s.quantization(),
        s.acorn());
  }

  static final Comparator<ScoredPoint> BEST_FIRST =
      Comparator.comparingDouble((ScoredPoint p) -> -p.score()).thenComparing(ScoredPoint::id);
}
