package dev.quiver.server.grpc;

import static dev.quiver.server.grpc.CollectionsService.name;
import static dev.quiver.server.grpc.CollectionsService.secs;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.guard.StrictMode;
import dev.quiver.server.query.DistanceMatrix;
import dev.quiver.server.query.Facets;
import dev.quiver.server.query.Groups;
import dev.quiver.server.query.Ordering;
import dev.quiver.server.query.Queries;
import dev.quiver.server.request.NamedVectors;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.TextAnalyzer;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.Points;
import io.qdrant.client.grpc.PointsGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/** {@code qdrant.Points}: decode, call the dispatcher, encode. */
final class PointsService extends PointsGrpc.PointsImplBase {
  private final Dispatcher dispatcher;

  PointsService(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /** The collection a request names, an alias resolved. */
  private String target(String collection) {
    return dispatcher.catalog().resolve(name(collection));
  }

  @Override
  public void upsert(Points.UpsertPoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "Upsert",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        () -> ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () ->
            new UpdateOp.Upsert(
                ProtoCodec.points(r.getPointsList()),
                ProtoCodec.updateMode(r.hasUpdateMode(), r.getUpdateMode()),
                FilterProto.parse(r.hasUpdateFilter(), r.getUpdateFilter())));
  }

  @Override
  public void delete(Points.DeletePoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "Delete",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        () -> ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () -> UpdateOp.delete(ProtoCodec.selector(r.getPoints())));
  }

  @Override
  public void setPayload(
      Points.SetPayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "SetPayload",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        () -> ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () ->
            new UpdateOp.SetPayload(
                selector(r.hasPointsSelector(), r.getPointsSelector()),
                ProtoCodec.struct(r.getPayloadMap()),
                r.hasKey() ? r.getKey() : null));
  }

  @Override
  public void overwritePayload(
      Points.SetPayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "OverwritePayload",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        () -> ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () ->
            new UpdateOp.OverwritePayload(
                selector(r.hasPointsSelector(), r.getPointsSelector()),
                ProtoCodec.struct(r.getPayloadMap())));
  }

  @Override
  public void deletePayload(
      Points.DeletePayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "DeletePayload",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        () -> ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () ->
            new UpdateOp.DeletePayload(
                selector(r.hasPointsSelector(), r.getPointsSelector()), r.getKeysList()));
  }

  @Override
  public void clearPayload(
      Points.ClearPayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "ClearPayload",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        () -> ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () -> new UpdateOp.ClearPayload(ProtoCodec.selector(r.getPoints())));
  }

  @Override
  public void updateVectors(
      Points.UpdatePointVectors r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "UpdateVectors",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        () -> ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () ->
            ProtoCodec.updateVectors(
                r.getPointsList(), FilterProto.parse(r.hasUpdateFilter(), r.getUpdateFilter())));
  }

  @Override
  public void deleteVectors(
      Points.DeletePointVectors r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "DeleteVectors",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        () -> ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () ->
            new UpdateOp.DeleteVectors(
                selector(r.hasPointsSelector(), r.getPointsSelector()),
                r.getVectors().getNamesList()));
  }

  private static PointSelector selector(boolean has, Points.PointsSelector s) {
    if (!has) {
      throw new RequestException.Invalid(
          "body", "points_selector", "either points or filter must be given");
    }
    return ProtoCodec.selector(s);
  }

  private void update(
      String method,
      String collection,
      boolean wait,
      Supplier<ShardSelector> shards,
      StreamObserver<Points.PointsOperationResponse> o,
      Supplier<UpdateOp> decode) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        method,
        o,
        () -> {
          String c = target(collection);
          // decoded inside: a bad shard key or selector is the client's error, not a failed call
          UpdateOp op = decode.get();
          StrictMode.of(dispatcher, c).update(op);
          var result = dispatcher.points().update(c, op, wait, shards.get());
          return Points.PointsOperationResponse.newBuilder()
              .setResult(ProtoCodec.proto(result))
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void searchBatch(
      Points.SearchBatchPoints r, StreamObserver<Points.SearchBatchResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "SearchBatch",
        o,
        () -> {
          return Points.SearchBatchResponse.newBuilder()
              .addAllResult(
                  batch(
                      r.getSearchPointsList(),
                      PointsService::asQuery,
                      r.getCollectionName(),
                      r.hasReadConsistency(),
                      r.getReadConsistency()))
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void queryBatch(Points.QueryBatchPoints r, StreamObserver<Points.QueryBatchResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "QueryBatch",
        o,
        () -> {
          return Points.QueryBatchResponse.newBuilder()
              .addAllResult(
                  batch(
                      r.getQueryPointsList(),
                      q -> q,
                      r.getCollectionName(),
                      r.hasReadConsistency(),
                      r.getReadConsistency()))
              .setTime(secs(t))
              .build();
        });
  }

  /**
   * The operations applied in order, each with its own result; all are decoded before the first is
   * applied, so a malformed one changes nothing.
   */
  @Override
  public void updateBatch(
      Points.UpdateBatchPoints r, StreamObserver<Points.UpdateBatchResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "UpdateBatch",
        o,
        () -> {
          String c = target(r.getCollectionName());
          boolean wait = r.hasWait() && r.getWait();
          List<UpdateOp> ops = new ArrayList<>();
          List<ShardSelector> shards = new ArrayList<>();
          for (Points.PointsUpdateOperation op : r.getOperationsList()) {
            switch (op.getOperationCase()) {
              case UPSERT -> {
                var u = op.getUpsert();
                ops.add(
                    new UpdateOp.Upsert(
                        ProtoCodec.points(u.getPointsList()),
                        ProtoCodec.updateMode(u.hasUpdateMode(), u.getUpdateMode()),
                        FilterProto.parse(u.hasUpdateFilter(), u.getUpdateFilter())));
                shards.add(ProtoCodec.shards(u.hasShardKeySelector(), u.getShardKeySelector()));
              }
              case SET_PAYLOAD -> {
                var x = op.getSetPayload();
                ops.add(
                    new UpdateOp.SetPayload(
                        selector(x.hasPointsSelector(), x.getPointsSelector()),
                        ProtoCodec.struct(x.getPayloadMap()),
                        x.hasKey() ? x.getKey() : null));
                shards.add(ProtoCodec.shards(x.hasShardKeySelector(), x.getShardKeySelector()));
              }
              case OVERWRITE_PAYLOAD -> {
                var x = op.getOverwritePayload();
                ops.add(
                    new UpdateOp.OverwritePayload(
                        selector(x.hasPointsSelector(), x.getPointsSelector()),
                        ProtoCodec.struct(x.getPayloadMap())));
                shards.add(ProtoCodec.shards(x.hasShardKeySelector(), x.getShardKeySelector()));
              }
              case DELETE_PAYLOAD -> {
                var x = op.getDeletePayload();
                ops.add(
                    new UpdateOp.DeletePayload(
                        selector(x.hasPointsSelector(), x.getPointsSelector()), x.getKeysList()));
                shards.add(ProtoCodec.shards(x.hasShardKeySelector(), x.getShardKeySelector()));
              }
              case DELETE_POINTS -> {
                var x = op.getDeletePoints();
                ops.add(UpdateOp.delete(ProtoCodec.selector(x.getPoints())));
                shards.add(ProtoCodec.shards(x.hasShardKeySelector(), x.getShardKeySelector()));
              }
              case CLEAR_PAYLOAD -> {
                var x = op.getClearPayload();
                ops.add(new UpdateOp.ClearPayload(ProtoCodec.selector(x.getPoints())));
                shards.add(ProtoCodec.shards(x.hasShardKeySelector(), x.getShardKeySelector()));
              }
              case DELETE_DEPRECATED -> {
                ops.add(UpdateOp.delete(ProtoCodec.selector(op.getDeleteDeprecated())));
                shards.add(ShardSelector.ALL);
              }
              case CLEAR_PAYLOAD_DEPRECATED -> {
                ops.add(
                    new UpdateOp.ClearPayload(ProtoCodec.selector(op.getClearPayloadDeprecated())));
                shards.add(ShardSelector.ALL);
              }
              case UPDATE_VECTORS -> {
                var x = op.getUpdateVectors();
                ops.add(
                    ProtoCodec.updateVectors(
                        x.getPointsList(),
                        FilterProto.parse(x.hasUpdateFilter(), x.getUpdateFilter())));
                shards.add(ProtoCodec.shards(x.hasShardKeySelector(), x.getShardKeySelector()));
              }
              case DELETE_VECTORS -> {
                var x = op.getDeleteVectors();
                ops.add(
                    new UpdateOp.DeleteVectors(
                        ProtoCodec.selector(x.getPointsSelector()), x.getVectors().getNamesList()));
                shards.add(ProtoCodec.shards(x.hasShardKeySelector(), x.getShardKeySelector()));
              }
              default ->
                  throw new RequestException.Invalid(
                      "body", "operations", "an operation must be given");
            }
          }
          StrictMode strict = StrictMode.of(dispatcher, c);
          ops.forEach(strict::update);
          var b = Points.UpdateBatchResponse.newBuilder();
          for (int i = 0; i < ops.size(); i++) {
            b.addResult(
                ProtoCodec.proto(dispatcher.points().update(c, ops.get(i), wait, shards.get(i))));
          }
          return b.setTime(secs(t)).build();
        });
  }

  private DistanceMatrix.Result matrix(Points.SearchMatrixPoints r) {
    return DistanceMatrix.compute(
        dispatcher,
        target(r.getCollectionName()),
        FilterProto.parse(r.hasFilter(), r.getFilter()),
        r.hasSample() ? Math.max(2, ProtoCodec.limit(true, r.getSample(), 10)) : 10,
        r.hasLimit() ? ProtoCodec.limit(true, r.getLimit(), 3) : 3,
        r.hasUsing() ? r.getUsing() : CollectionConfig.DEFAULT_VECTOR,
        ProtoCodec.consistency(r.hasReadConsistency(), r.getReadConsistency()),
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()));
  }

  @Override
  public void searchMatrixPairs(
      Points.SearchMatrixPoints r, StreamObserver<Points.SearchMatrixPairsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "SearchMatrixPairs",
        o,
        () -> {
          var pairs = Points.SearchMatrixPairs.newBuilder();
          for (var p : matrix(r).pairs()) {
            pairs.addPairs(
                Points.SearchMatrixPair.newBuilder()
                    .setA(ProtoCodec.proto(p.a()))
                    .setB(ProtoCodec.proto(p.b()))
                    .setScore(p.score()));
          }
          return Points.SearchMatrixPairsResponse.newBuilder()
              .setResult(pairs)
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void searchMatrixOffsets(
      Points.SearchMatrixPoints r, StreamObserver<Points.SearchMatrixOffsetsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "SearchMatrixOffsets",
        o,
        () -> {
          var m = matrix(r);
          var b = Points.SearchMatrixOffsets.newBuilder();
          m.ids().forEach(id -> b.addIds(ProtoCodec.proto(id)));
          var c = m.offsets();
          for (int i = 0; i < c.rows().length; i++) {
            b.addOffsetsRow(c.rows()[i]);
            b.addOffsetsCol(c.cols()[i]);
            b.addScores(c.scores()[i]);
          }
          return Points.SearchMatrixOffsetsResponse.newBuilder()
              .setResult(b)
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void facet(Points.FacetCounts r, StreamObserver<Points.FacetResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Facet",
        o,
        () -> {
          var b = Points.FacetResponse.newBuilder();
          for (var hit :
              Facets.count(
                  dispatcher,
                  target(r.getCollectionName()),
                  r.getKey(),
                  FilterProto.parse(r.hasFilter(), r.getFilter()),
                  r.hasLimit() ? ProtoCodec.limit(true, r.getLimit(), 10) : 10,
                  ProtoCodec.consistency(r.hasReadConsistency(), r.getReadConsistency()),
                  ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()))) {
            var value = Points.FacetValue.newBuilder();
            switch (hit.value()) {
              case Value.Str x -> value.setStringValue(x.value());
              case Value.Int x -> value.setIntegerValue(x.value());
              case Value.Bool x -> value.setBoolValue(x.value());
              default -> {
                continue;
              }
            }
            b.addHits(Points.FacetHit.newBuilder().setValue(value).setCount(hit.count()));
          }
          return b.setTime(secs(t)).build();
        });
  }

  @Override
  public void createFieldIndex(
      Points.CreateFieldIndexCollection r, StreamObserver<Points.PointsOperationResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "CreateFieldIndex",
        o,
        () -> {
          if (!r.hasFieldType()) {
            throw new RequestException.Invalid("body", "field_type", "a field type is required");
          }
          String type = PayloadIndexProto.type(r.getFieldType());
          if (r.getFieldName().isEmpty()) {
            throw new RequestException.Invalid("body", "field_name", "must not be empty");
          }
          Value.Struct params =
              PayloadIndexProto.params(type, r.hasFieldIndexParams(), r.getFieldIndexParams());
          if (params != null && type.equals("text")) {
            TextAnalyzer.of(params); // refuses values the analysis cannot honour, by name
          }
          String c = target(r.getCollectionName());
          var existing = dispatcher.catalog().payloadIndexes(c);
          if (!existing.containsKey(r.getFieldName())) {
            StrictMode.of(dispatcher, c).newPayloadIndex(existing.size());
          }
          dispatcher
              .catalog()
              .setPayloadIndex(c, r.getFieldName(), new PayloadIndexSpec(type, params));
          return fieldIndexDone(t);
        });
  }

  @Override
  public void deleteFieldIndex(
      Points.DeleteFieldIndexCollection r, StreamObserver<Points.PointsOperationResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "DeleteFieldIndex",
        o,
        () -> {
          dispatcher
              .catalog()
              .setPayloadIndex(target(r.getCollectionName()), r.getFieldName(), null);
          return fieldIndexDone(t);
        });
  }

  @Override
  public void createVectorName(
      Points.CreateVectorNameRequest r, StreamObserver<Points.PointsOperationResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "CreateVectorName",
        o,
        () -> {
          if (r.hasSparseConfig()) {
            NamedVectors.createSparse(
                dispatcher,
                target(r.getCollectionName()),
                r.getVectorName(),
                CollectionProto.sparseVectorName(r.getSparseConfig()));
          } else {
            NamedVectors.create(
                dispatcher,
                target(r.getCollectionName()),
                r.getVectorName(),
                CollectionProto.vectorName(r));
          }
          return fieldIndexDone(t);
        });
  }

  @Override
  public void deleteVectorName(
      Points.DeleteVectorNameRequest r, StreamObserver<Points.PointsOperationResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "DeleteVectorName",
        o,
        () -> {
          NamedVectors.delete(dispatcher, target(r.getCollectionName()), r.getVectorName());
          return fieldIndexDone(t);
        });
  }

  /** A completed configuration change ({@code UpdateResult}, as Qdrant answers them). */
  private static Points.PointsOperationResponse fieldIndexDone(long started) {
    return Points.PointsOperationResponse.newBuilder()
        .setResult(
            Points.UpdateResult.newBuilder()
                .setOperationId(0)
                .setStatus(Points.UpdateStatus.Completed))
        .setTime(secs(started))
        .build();
  }

  @Override
  public void get(Points.GetPoints r, StreamObserver<Points.GetResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Get",
        o,
        () -> {
          var b = Points.GetResponse.newBuilder();
          dispatcher
              .points()
              .retrieve(
                  target(r.getCollectionName()),
                  ProtoCodec.pointIds(r.getIdsList()),
                  ProtoCodec.withPayload(r.hasWithPayload(), r.getWithPayload(), WithPayload.ALL),
                  ProtoCodec.withVectors(r.hasWithVectors(), r.getWithVectors()),
                  ProtoCodec.consistency(r.hasReadConsistency(), r.getReadConsistency()),
                  ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()))
              .forEach(p -> b.addResult(ProtoCodec.proto(p)));
          return b.setTime(secs(t)).build();
        });
  }

  @Override
  public void scroll(Points.ScrollPoints r, StreamObserver<Points.ScrollResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Scroll",
        o,
        () -> {
          Filter filter = FilterProto.parse(r.hasFilter(), r.getFilter());
          StrictMode.of(dispatcher, target(r.getCollectionName()))
              .read(filter, r.hasLimit() ? Integer.toUnsignedLong(r.getLimit()) : 10L);
          if (r.hasOrderBy()) {
            return orderedScroll(r, filter, t);
          }
          var page =
              dispatcher
                  .points()
                  .scroll(
                      target(r.getCollectionName()),
                      filter,
                      r.hasOffset() ? ProtoCodec.pointId(r.getOffset(), "offset") : null,
                      r.hasLimit()
                          ? ProtoCodec.limit(true, Integer.toUnsignedLong(r.getLimit()), 10)
                          : 10,
                      ProtoCodec.withPayload(
                          r.hasWithPayload(), r.getWithPayload(), WithPayload.ALL),
                      ProtoCodec.withVectors(r.hasWithVectors(), r.getWithVectors()),
                      ProtoCodec.consistency(r.hasReadConsistency(), r.getReadConsistency()),
                      ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()));
          var b = Points.ScrollResponse.newBuilder();
          page.points().forEach(p -> b.addResult(ProtoCodec.proto(p)));
          if (page.nextOffset() != null) {
            b.setNextPageOffset(ProtoCodec.proto(page.nextOffset()));
          }
          return b.setTime(secs(t)).build();
        });
  }

  private Points.ScrollResponse orderedScroll(Points.ScrollPoints r, Filter filter, long started) {
    Points.OrderBy by = r.getOrderBy();
    if (r.hasOffset()) {
      throw new RequestException.Invalid(
          "body", "offset", "cannot be used with order_by; use order_by.start_from");
    }
    var b = Points.ScrollResponse.newBuilder();
    for (var p :
        Ordering.scroll(
            dispatcher,
            target(r.getCollectionName()),
            filter,
            QueryProto.orderBy(by),
            r.hasLimit() ? ProtoCodec.limit(true, Integer.toUnsignedLong(r.getLimit()), 10) : 10,
            ProtoCodec.withPayload(r.hasWithPayload(), r.getWithPayload(), WithPayload.ALL),
            ProtoCodec.withVectors(r.hasWithVectors(), r.getWithVectors()),
            ProtoCodec.consistency(r.hasReadConsistency(), r.getReadConsistency()),
            ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()))) {
      b.addResult(
          ProtoCodec.proto(p.record()).toBuilder().setOrderValue(ProtoCodec.orderValue(p.value())));
    }
    return b.setTime(secs(started)).build();
  }

  @Override
  public void count(Points.CountPoints r, StreamObserver<Points.CountResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Count",
        o,
        () -> {
          Filter filter = FilterProto.parse(r.hasFilter(), r.getFilter());
          StrictMode.of(dispatcher, target(r.getCollectionName())).read(filter, null);
          return Points.CountResponse.newBuilder()
              .setResult(
                  Points.CountResult.newBuilder()
                      .setCount(
                          dispatcher
                              .points()
                              .count(
                                  target(r.getCollectionName()),
                                  filter,
                                  ProtoCodec.consistency(
                                      r.hasReadConsistency(), r.getReadConsistency()),
                                  ProtoCodec.shards(
                                      r.hasShardKeySelector(), r.getShardKeySelector()))))
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void search(Points.SearchPoints r, StreamObserver<Points.SearchResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Search",
        o,
        () -> {
          var b = Points.SearchResponse.newBuilder();
          search(asQuery(r)).forEach(p -> b.addResult(ProtoCodec.proto(p)));
          return b.setTime(secs(t)).build();
        });
  }

  @Override
  public void query(Points.QueryPoints r, StreamObserver<Points.QueryResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Query",
        o,
        () -> {
          var b = Points.QueryResponse.newBuilder();
          search(r).forEach(p -> b.addResult(ProtoCodec.proto(p)));
          return b.setTime(secs(t)).build();
        });
  }

  /**
   * The results of a batch's items, each turned into a query of the batch's collection (the batch's
   * read consistency where the item has none).
   */
  private <T> List<Points.BatchResult> batch(
      List<T> items,
      Function<T, Points.QueryPoints> asQuery,
      String collection,
      boolean hasConsistency,
      Points.ReadConsistency consistency) {
    StrictMode.of(dispatcher, target(collection)).searchBatch(items.size());
    List<Points.BatchResult> out = new ArrayList<>(items.size());
    for (T item : items) {
      Points.QueryPoints q = asQuery.apply(item).toBuilder().setCollectionName(collection).build();
      out.add(batchOne(q, hasConsistency, consistency));
    }
    return out;
  }

  /** One query of a batch; the batch's read consistency applies where the query has none. */
  private Points.BatchResult batchOne(
      Points.QueryPoints q, boolean batchHasConsistency, Points.ReadConsistency consistency) {
    if (batchHasConsistency && !q.hasReadConsistency()) {
      q = q.toBuilder().setReadConsistency(consistency).build();
    }
    var results = Points.BatchResult.newBuilder();
    search(q).forEach(p -> results.addResult(ProtoCodec.proto(p)));
    return results.build();
  }

  /** A search is a nearest-vector query (Qdrant serves both the same way). */
  /**
   * The vector of a {@code SearchPoints} or {@code SearchPointGroups}: dense, or the values of a
   * sparse vector at {@code sparse_indices}.
   */
  private static Points.VectorInput nearest(
      List<Float> vector, boolean sparse, Points.SparseIndices indices) {
    var input = Points.VectorInput.newBuilder();
    if (sparse) {
      input.setSparse(
          Points.SparseVector.newBuilder()
              .addAllValues(vector)
              .addAllIndices(indices.getDataList()));
    } else {
      input.setDense(Points.DenseVector.newBuilder().addAllData(vector));
    }
    return input.build();
  }

  private static Points.QueryPoints asQuery(Points.SearchPoints r) {
    var q =
        Points.QueryPoints.newBuilder()
            .setQuery(
                Points.Query.newBuilder()
                    .setNearest(
                        nearest(r.getVectorList(), r.hasSparseIndices(), r.getSparseIndices())));
    ProtoCodec.copySameFields(r, q);
    if (r.hasVectorName()) {
      q.setUsing(r.getVectorName());
    }
    return q.build();
  }

  /** Every query of this edge: decoded once, run by the application layer. */
  private List<ScoredPoint> search(Points.QueryPoints r) {
    String c = target(r.getCollectionName());
    Queries.Request request = QueryProto.request(r);
    StrictMode.of(dispatcher, c).query(request);
    return Queries.run(
        dispatcher,
        c,
        request,
        ProtoCodec.consistency(r.hasReadConsistency(), r.getReadConsistency()),
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()));
  }

  @Override
  public void discover(Points.DiscoverPoints r, StreamObserver<Points.DiscoverResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Discover",
        o,
        () -> {
          var b = Points.DiscoverResponse.newBuilder();
          search(QueryProto.asQuery(r)).forEach(p -> b.addResult(ProtoCodec.proto(p)));
          return b.setTime(secs(t)).build();
        });
  }

  @Override
  public void discoverBatch(
      Points.DiscoverBatchPoints r, StreamObserver<Points.DiscoverBatchResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "DiscoverBatch",
        o,
        () -> {
          return Points.DiscoverBatchResponse.newBuilder()
              .addAllResult(
                  batch(
                      r.getDiscoverPointsList(),
                      QueryProto::asQuery,
                      r.getCollectionName(),
                      r.hasReadConsistency(),
                      r.getReadConsistency()))
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void searchGroups(
      Points.SearchPointGroups r, StreamObserver<Points.SearchGroupsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "SearchGroups",
        o,
        () -> {
          var q =
              Points.QueryPoints.newBuilder()
                  .setQuery(
                      Points.Query.newBuilder()
                          .setNearest(
                              nearest(
                                  r.getVectorList(), r.hasSparseIndices(), r.getSparseIndices())))
                  .setLimit(r.getLimit());
          ProtoCodec.copySameFields(r, q);
          if (r.hasVectorName()) {
            q.setUsing(r.getVectorName());
          }
          return Points.SearchGroupsResponse.newBuilder()
              .setResult(
                  groups(
                      q.build(),
                      r.getGroupBy(),
                      r.getGroupSize(),
                      r.getLimit(),
                      QueryProto.withLookup(r.hasWithLookup(), r.getWithLookup())))
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void recommendGroups(
      Points.RecommendPointGroups r, StreamObserver<Points.RecommendGroupsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "RecommendGroups",
        o,
        () -> {
          var one = Points.RecommendPoints.newBuilder().setLimit(r.getLimit());
          ProtoCodec.copySameFields(r, one);
          return Points.RecommendGroupsResponse.newBuilder()
              .setResult(
                  groups(
                      asQuery(one.build()),
                      r.getGroupBy(),
                      r.getGroupSize(),
                      r.getLimit(),
                      QueryProto.withLookup(r.hasWithLookup(), r.getWithLookup())))
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void queryGroups(Points.QueryPointGroups r, StreamObserver<Points.QueryGroupsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "QueryGroups",
        o,
        () -> {
          var q = Points.QueryPoints.newBuilder();
          ProtoCodec.copySameFields(r, q);
          int limit = r.hasLimit() ? ProtoCodec.limit(true, r.getLimit(), 10) : 10;
          int size = r.hasGroupSize() ? ProtoCodec.limit(true, r.getGroupSize(), 3) : 3;
          return Points.QueryGroupsResponse.newBuilder()
              .setResult(
                  groups(
                      q.build(),
                      r.getGroupBy(),
                      size,
                      limit,
                      QueryProto.withLookup(r.hasWithLookup(), r.getWithLookup())))
              .setTime(secs(t))
              .build();
        });
  }

  private Points.GroupsResult groups(
      Points.QueryPoints q,
      String groupBy,
      long groupSize,
      long limit,
      Groups.WithLookup withLookup) {
    if (groupBy.isEmpty()) {
      throw new RequestException.Invalid("body", "group_by", "must not be empty");
    }
    if (groupSize < 1 || limit < 1) {
      throw new RequestException.Invalid(
          "body", "group_size", "group_size and limit must be at least 1");
    }
    var b = Points.GroupsResult.newBuilder();
    String c = target(q.getCollectionName());
    Queries.Request request = QueryProto.request(q);
    StrictMode.of(dispatcher, c).query(request);
    for (var g :
        Groups.search(
            dispatcher,
            c,
            request,
            groupBy,
            (int) Math.min(groupSize, 1 << 16),
            (int) Math.min(limit, 1 << 16),
            withLookup,
            ProtoCodec.consistency(q.hasReadConsistency(), q.getReadConsistency()),
            ProtoCodec.shards(q.hasShardKeySelector(), q.getShardKeySelector()))) {
      var id = Points.GroupId.newBuilder();
      switch (g.id()) {
        case Value.Str x -> id.setStringValue(x.value());
        // as Qdrant: a non-negative integer is an unsigned group id
        case Value.Int x when x.value() >= 0 -> id.setUnsignedValue(x.value());
        case Value.Int x -> id.setIntegerValue(x.value());
        default -> {
          continue;
        }
      }
      var group = Points.PointGroup.newBuilder().setId(id);
      g.hits().forEach(h -> group.addHits(ProtoCodec.proto(h)));
      if (g.lookup() != null) {
        group.setLookup(ProtoCodec.proto(g.lookup()));
      }
      b.addGroups(group);
    }
    return b.build();
  }

  @Override
  public void recommend(Points.RecommendPoints r, StreamObserver<Points.RecommendResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Recommend",
        o,
        () -> {
          var b = Points.RecommendResponse.newBuilder();
          search(asQuery(r)).forEach(p -> b.addResult(ProtoCodec.proto(p)));
          return b.setTime(secs(t)).build();
        });
  }

  @Override
  public void recommendBatch(
      Points.RecommendBatchPoints r, StreamObserver<Points.RecommendBatchResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "RecommendBatch",
        o,
        () -> {
          return Points.RecommendBatchResponse.newBuilder()
              .addAllResult(
                  batch(
                      r.getRecommendPointsList(),
                      PointsService::asQuery,
                      r.getCollectionName(),
                      r.hasReadConsistency(),
                      r.getReadConsistency()))
              .setTime(secs(t))
              .build();
        });
  }

  /** A recommendation is a query with examples (Qdrant serves both the same way). */
  @SuppressWarnings("deprecation")
  private static Points.QueryPoints asQuery(Points.RecommendPoints r) {
    var input = Points.RecommendInput.newBuilder();
    r.getPositiveList().forEach(id -> input.addPositive(Points.VectorInput.newBuilder().setId(id)));
    r.getNegativeList().forEach(id -> input.addNegative(Points.VectorInput.newBuilder().setId(id)));
    r.getPositiveVectorsList().forEach(v -> input.addPositive(QueryProto.dense(v)));
    r.getNegativeVectorsList().forEach(v -> input.addNegative(QueryProto.dense(v)));
    if (r.hasStrategy()) {
      input.setStrategy(r.getStrategy());
    }
    var q = Points.QueryPoints.newBuilder().setQuery(Points.Query.newBuilder().setRecommend(input));
    ProtoCodec.copySameFields(r, q);
    return q.build();
  }
}
