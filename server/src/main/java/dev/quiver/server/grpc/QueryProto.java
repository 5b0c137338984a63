package dev.quiver.server.grpc;

import dev.quiver.server.query.Groups;
import dev.quiver.server.query.Ordering;
import dev.quiver.server.query.Queries;
import dev.quiver.server.request.AcornSettings;
import dev.quiver.server.request.Bm25;
import dev.quiver.server.request.ImplementedFields;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.AcornParams;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import io.qdrant.client.grpc.Points;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes {@code QueryPoints} (with prefetches and every query variant) into {@link
 * Queries.Request}; the older search, recommend and discover messages are turned into {@code
 * QueryPoints} first, so every query of the gRPC edge takes this one path.
 */
final class QueryProto {
  private QueryProto() {}

  static Queries.Request request(Points.QueryPoints r) {
    var stage =
        new Queries.Stage(
            stages(r.getPrefetchList()),
            r.hasQuery() ? query(r.getQuery()) : null,
            r.hasUsing() ? r.getUsing() : CollectionConfig.DEFAULT_VECTOR,
            FilterProto.parse(r.hasFilter(), r.getFilter()),
            hnswEf(r.hasParams(), r.getParams()),
            r.hasParams() && r.getParams().getExact(),
            r.hasScoreThreshold() ? r.getScoreThreshold() : null,
            ProtoCodec.limit(r.hasLimit(), r.getLimit(), 10),
            r.hasLookupFrom() ? lookup(r.getLookupFrom()) : null,
            QuantizationProto.params(r.hasParams(), r.getParams()),
            acorn(r.hasParams(), r.getParams()));
    return new Queries.Request(
        stage,
        ProtoCodec.offset(r.hasOffset(), r.getOffset()),
        ProtoCodec.withPayload(r.hasWithPayload(), r.getWithPayload(), WithPayload.NONE),
        ProtoCodec.withVectors(r.hasWithVectors(), r.getWithVectors()));
  }

  private static List<Queries.Stage> stages(List<Points.PrefetchQuery> prefetch) {
    List<Queries.Stage> out = new ArrayList<>(prefetch.size());
    for (Points.PrefetchQuery p : prefetch) {
      out.add(
          new Queries.Stage(
              stages(p.getPrefetchList()),
              p.hasQuery() ? query(p.getQuery()) : null,
              p.hasUsing() ? p.getUsing() : CollectionConfig.DEFAULT_VECTOR,
              FilterProto.parse(p.hasFilter(), p.getFilter()),
              hnswEf(p.hasParams(), p.getParams()),
              p.hasParams() && p.getParams().getExact(),
              p.hasScoreThreshold() ? p.getScoreThreshold() : null,
              ProtoCodec.limit(p.hasLimit(), p.getLimit(), 10),
              p.hasLookupFrom() ? lookup(p.getLookupFrom()) : null,
              QuantizationProto.params(p.hasParams(), p.getParams()),
              acorn(p.hasParams(), p.getParams())));
    }
    return out;
  }

  private static Integer hnswEf(boolean has, Points.SearchParams p) {
    if (has) {
      ProtoFields.onlyImplemented(p, "params", ImplementedFields.SEARCH_PARAMS);
      if (p.hasIndexedOnly() && p.getIndexedOnly()) {
        throw new RequestException.Unsupported(
            "Bad request: `params.indexed_only: true` is not supported by Quiver; a shard's"
                + " points are searched whether or not the graph holds them yet");
      }
    }
    return has && p.hasHnswEf() ? ProtoCodec.limit(true, p.getHnswEf(), 1) : null;
  }

  /** A search's {@code params.acorn}: null when not given or not enabled. */
  static AcornParams acorn(boolean has, Points.SearchParams p) {
    if (!has || !p.hasAcorn()) {
      return null;
    }
    Points.AcornSearchParams a = p.getAcorn();
    return AcornSettings.params(
        a.hasEnable() ? a.getEnable() : null,
        a.hasMaxSelectivity() ? a.getMaxSelectivity() : null,
        "params.acorn");
  }

  static Queries.Lookup lookup(Points.LookupLocation l) {
    return new Queries.Lookup(l.getCollectionName(), l.hasVectorName() ? l.getVectorName() : null);
  }

  static Queries.Query query(Points.Query q) {
    return switch (q.getVariantCase()) {
      case NEAREST -> new Queries.Query.Nearest(example(q.getNearest()), null);
      case NEAREST_WITH_MMR -> {
        Points.Mmr m = q.getNearestWithMmr().getMmr();
        float diversity = m.hasDiversity() ? m.getDiversity() : 0.5f;
        if (diversity < 0 || diversity > 1) {
          throw new RequestException.Invalid(
              "body", "mmr.diversity", "value " + diversity + " invalid, must be from 0.0 to 1.0");
        }
        yield new Queries.Query.Nearest(
            example(q.getNearestWithMmr().getNearest()),
            new Queries.Mmr(diversity, m.hasCandidatesLimit() ? m.getCandidatesLimit() : null));
      }
      case RECOMMEND -> {
        Points.RecommendInput r = q.getRecommend();
        yield new Queries.Query.Recommend(
            examples(r.getPositiveList()),
            examples(r.getNegativeList()),
            r.hasStrategy() ? strategy(r.getStrategy()) : Queries.Strategy.AVERAGE_VECTOR);
      }
      case DISCOVER ->
          new Queries.Query.Discover(
              example(q.getDiscover().getTarget()), pairs(q.getDiscover().getContext()));
      case CONTEXT -> new Queries.Query.Context(pairs(q.getContext()));
      case ORDER_BY -> new Queries.Query.OrderBy(orderBy(q.getOrderBy()));
      case FUSION ->
          switch (q.getFusion()) {
            case RRF -> new Queries.Query.Fusion(false, Queries.RRF_K, List.of());
            case DBSF -> new Queries.Query.Fusion(true, 0, List.of());
            default -> throw new RequestException.Invalid("body", "fusion", "unknown fusion");
          };
      case RRF ->
          new Queries.Query.Fusion(
              false,
              q.getRrf().hasK() ? Math.max(1, q.getRrf().getK()) : Queries.RRF_K,
              q.getRrf().getWeightsList());
      case SAMPLE -> new Queries.Query.Sample();
      case FORMULA -> new Queries.Query.ByFormula(FormulaProto.formula(q.getFormula()));
      case RELEVANCE_FEEDBACK -> {
        Points.RelevanceFeedbackInput r = q.getRelevanceFeedback();
        if (!r.getStrategy().hasNaive()) {
          throw new RequestException.Invalid(
              "body", "relevance_feedback.strategy", "the naive strategy is required");
        }
        Points.NaiveFeedbackStrategy n = r.getStrategy().getNaive();
        if (n.getB() < 0) {
          throw new RequestException.Invalid(
              "body",
              "relevance_feedback.strategy.naive.b",
              "value " + n.getB() + " invalid, must be 0 or more");
        }
        List<Queries.FeedbackItem> items = new ArrayList<>();
        for (Points.FeedbackItem item : r.getFeedbackList()) {
          items.add(new Queries.FeedbackItem(example(item.getExample()), item.getScore()));
        }
        yield new Queries.Query.Feedback(
            example(r.getTarget()), items, n.getA(), n.getB(), n.getC());
      }
      case VARIANT_NOT_SET -> null;
    };
  }

  /** {@code order_by} of a scroll or a query. */
  static Ordering.OrderBy orderBy(Points.OrderBy by) {
    Double start =
        switch (by.getStartFrom().getValueCase()) {
          case FLOAT -> by.getStartFrom().getFloat();
          case INTEGER -> (double) by.getStartFrom().getInteger();
          case TIMESTAMP -> {
            long micros = by.getStartFrom().getTimestamp().getNanos() / 1000; // whole micros
            yield by.getStartFrom().getTimestamp().getSeconds() * 1e6 + micros;
          }
          case DATETIME -> {
            Double micros = Ordering.micros(by.getStartFrom().getDatetime());
            if (micros == null) {
              throw new RequestException.Invalid(
                  "body",
                  "order_by.start_from",
                  "Malformed datetime: " + by.getStartFrom().getDatetime());
            }
            yield micros;
          }
          case VALUE_NOT_SET -> null;
        };
    return new Ordering.OrderBy(by.getKey(), by.getDirection() == Points.Direction.Desc, start);
  }

  static Queries.Strategy strategy(Points.RecommendStrategy s) {
    return switch (s) {
      case AverageVector -> Queries.Strategy.AVERAGE_VECTOR;
      case BestScore -> Queries.Strategy.BEST_SCORE;
      case SumScores -> Queries.Strategy.SUM_SCORES;
      default -> throw new RequestException.Invalid("body", "strategy", "unknown strategy");
    };
  }

  private static List<Queries.Pair> pairs(Points.ContextInput c) {
    List<Queries.Pair> out = new ArrayList<>();
    for (Points.ContextInputPair p : c.getPairsList()) {
      out.add(new Queries.Pair(example(p.getPositive()), example(p.getNegative())));
    }
    return out;
  }

  private static List<Queries.Example> examples(List<Points.VectorInput> inputs) {
    List<Queries.Example> out = new ArrayList<>(inputs.size());
    inputs.forEach(in -> out.add(example(in)));
    return out;
  }

  static Queries.Example example(Points.VectorInput in) {
    return switch (in.getVariantCase()) {
      case DENSE -> new Queries.Example.Vector(ProtoCodec.floats(in.getDense().getDataList()));
      case ID -> new Queries.Example.Point(ProtoCodec.pointId(in.getId(), "query"));
      case SPARSE -> new Queries.Example.Sparse(ProtoCodec.sparse(in.getSparse(), "query"));
      case MULTI_DENSE -> new Queries.Example.Multi(ProtoCodec.rows(in.getMultiDense(), "query"));
      case DOCUMENT ->
          new Queries.Example.Sparse(ProtoCodec.document(in.getDocument(), "query", true));
      case IMAGE, OBJECT -> throw Bm25.imagesAndObjects();
      case VARIANT_NOT_SET ->
          throw new RequestException.Invalid("body", "query", "a vector input is required");
    };
  }

  /** {@code with_lookup} of a groups request. */
  static Groups.WithLookup withLookup(boolean has, Points.WithLookup l) {
    if (!has) {
      return null;
    }
    return new Groups.WithLookup(
        l.getCollection(),
        ProtoCodec.withPayload(l.hasWithPayload(), l.getWithPayload(), WithPayload.ALL),
        l.hasWithVectors() ? ProtoCodec.withVectors(true, l.getWithVectors()) : WithVectors.NONE);
  }

  /** A {@code DiscoverPoints} as a query: discover with a target, context without one. */
  static Points.QueryPoints asQuery(Points.DiscoverPoints r) {
    var context = Points.ContextInput.newBuilder();
    for (Points.ContextExamplePair p : r.getContextList()) {
      context.addPairs(
          Points.ContextInputPair.newBuilder()
              .setPositive(input(p.getPositive()))
              .setNegative(input(p.getNegative())));
    }
    var query = Points.Query.newBuilder();
    if (r.hasTarget() && r.getTarget().hasSingle()) {
      query.setDiscover(
          Points.DiscoverInput.newBuilder()
              .setTarget(input(r.getTarget().getSingle()))
              .setContext(context));
    } else {
      query.setContext(context);
    }
    var q = Points.QueryPoints.newBuilder().setQuery(query);
    ProtoCodec.copySameFields(r, q);
    return q.build();
  }

  private static Points.VectorInput input(Points.VectorExample e) {
    return switch (e.getExampleCase()) {
      case ID -> Points.VectorInput.newBuilder().setId(e.getId()).build();
      case VECTOR -> dense(e.getVector());
      case EXAMPLE_NOT_SET ->
          throw new RequestException.Invalid("body", "context", "an example is required");
    };
  }

  /** A (legacy) {@code Vector} as a dense vector input. */
  @SuppressWarnings("deprecation")
  static Points.VectorInput dense(Points.Vector v) {
    var d = Points.DenseVector.newBuilder();
    if (v.hasDense()) {
      d.addAllData(v.getDense().getDataList());
    } else {
      d.addAllData(v.getDataList());
    }
    return Points.VectorInput.newBuilder().setDense(d).build();
  }
}
