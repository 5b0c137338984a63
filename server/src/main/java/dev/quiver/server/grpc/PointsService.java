package dev.quiver.server.grpc;

import static dev.quiver.server.grpc.CollectionsService.name;
import static dev.quiver.server.grpc.CollectionsService.secs;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.server.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.WithPayload;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.Points;
import io.qdrant.client.grpc.PointsGrpc;

/** {@code qdrant.Points}: decode, call the dispatcher, encode. */
final class PointsService extends PointsGrpc.PointsImplBase {
  private final Dispatcher dispatcher;

  PointsService(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /** The collection a request names, an alias resolved. */
  private String target(String collection) {
    return dispatcher.resolve(name(collection));
  }

  @Override
  public void upsert(Points.UpsertPoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "Upsert",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () -> {
          ProtoCodec.rejectFilter(r.hasUpdateFilter(), r.getUpdateFilter());
          return new UpdateOp.Upsert(ProtoCodec.points(r.getPointsList()));
        });
  }

  @Override
  public void delete(Points.DeletePoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "Delete",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () ->
            switch (ProtoCodec.selector(r.getPoints())) {
              case dev.quiver.storage.PointSelector.Ids ids -> new UpdateOp.DeletePoints(ids.ids());
              case dev.quiver.storage.PointSelector.ByFilter f ->
                  new UpdateOp.DeleteByFilter(f.filter());
            });
  }

  @Override
  public void setPayload(
      Points.SetPayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
    update(
        "SetPayload",
        r.getCollectionName(),
        r.hasWait() && r.getWait(),
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
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
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
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
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
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
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()),
        o,
        () -> new UpdateOp.ClearPayload(ProtoCodec.selector(r.getPoints())));
  }

  private static dev.quiver.storage.PointSelector selector(boolean has, Points.PointsSelector s) {
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
      dev.quiver.cluster.ShardSelector shards,
      StreamObserver<Points.PointsOperationResponse> o,
      java.util.function.Supplier<UpdateOp> decode) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        method,
        o,
        () -> {
          String c = target(collection);
          var result = dispatcher.update(c, decode.get(), wait, shards);
          return Points.PointsOperationResponse.newBuilder()
              .setResult(ProtoCodec.proto(result))
              .setTime(secs(t))
              .build();
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
          String type =
              switch (r.getFieldType()) {
                case FieldTypeKeyword -> "keyword";
                case FieldTypeInteger -> "integer";
                case FieldTypeFloat -> "float";
                case FieldTypeGeo -> "geo";
                case FieldTypeText -> "text";
                case FieldTypeBool -> "bool";
                case FieldTypeDatetime -> "datetime";
                case FieldTypeUuid -> "uuid";
                default ->
                    throw new RequestException.Invalid("body", "field_type", "unknown field type");
              };
          if (r.getFieldName().isEmpty()) {
            throw new RequestException.Invalid("body", "field_name", "must not be empty");
          }
          dispatcher.setPayloadIndex(
              target(r.getCollectionName()),
              r.getFieldName(),
              new dev.quiver.storage.PayloadIndexSpec(type, null));
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
          dispatcher.setPayloadIndex(target(r.getCollectionName()), r.getFieldName(), null);
          return fieldIndexDone(t);
        });
  }

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
          if (r.hasOrderBy()) {
            throw new RequestException.Unsupported("order_by is not supported yet");
          }
          var page =
              dispatcher.scroll(
                  target(r.getCollectionName()),
                  FilterProto.parse(r.hasFilter(), r.getFilter()),
                  r.hasOffset() ? ProtoCodec.pointId(r.getOffset(), "offset") : null,
                  r.hasLimit()
                      ? ProtoCodec.limit(true, Integer.toUnsignedLong(r.getLimit()), 10)
                      : 10,
                  ProtoCodec.withPayload(r.hasWithPayload(), r.getWithPayload(), WithPayload.ALL),
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

  @Override
  public void count(Points.CountPoints r, StreamObserver<Points.CountResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Count",
        o,
        () ->
            Points.CountResponse.newBuilder()
                .setResult(
                    Points.CountResult.newBuilder()
                        .setCount(
                            dispatcher.count(
                                target(r.getCollectionName()),
                                FilterProto.parse(r.hasFilter(), r.getFilter()),
                                ProtoCodec.consistency(
                                    r.hasReadConsistency(), r.getReadConsistency()),
                                ProtoCodec.shards(
                                    r.hasShardKeySelector(), r.getShardKeySelector()))))
                .setTime(secs(t))
                .build());
  }

  @Override
  public void search(Points.SearchPoints r, StreamObserver<Points.SearchResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Search",
        o,
        () -> {
          if (r.hasSparseIndices()) {
            throw new RequestException.Unsupported("sparse vectors are not supported yet");
          }
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

  /** A search is a nearest-vector query (Qdrant serves both the same way). */
  private static Points.QueryPoints asQuery(Points.SearchPoints r) {
    var q =
        Points.QueryPoints.newBuilder()
            .setCollectionName(r.getCollectionName())
            .setQuery(
                Points.Query.newBuilder()
                    .setNearest(
                        Points.VectorInput.newBuilder()
                            .setDense(
                                Points.DenseVector.newBuilder().addAllData(r.getVectorList()))))
            .setLimit(r.getLimit());
    if (r.hasVectorName()) {
      q.setUsing(r.getVectorName());
    }
    if (r.hasOffset()) {
      q.setOffset(r.getOffset());
    }
    if (r.hasScoreThreshold()) {
      q.setScoreThreshold(r.getScoreThreshold());
    }
    if (r.hasWithPayload()) {
      q.setWithPayload(r.getWithPayload());
    }
    if (r.hasWithVectors()) {
      q.setWithVectors(r.getWithVectors());
    }
    if (r.hasParams()) {
      q.setParams(r.getParams());
    }
    if (r.hasFilter()) {
      q.setFilter(r.getFilter());
    }
    if (r.hasReadConsistency()) {
      q.setReadConsistency(r.getReadConsistency());
    }
    if (r.hasShardKeySelector()) {
      q.setShardKeySelector(r.getShardKeySelector());
    }
    return q.build();
  }

  private java.util.List<dev.quiver.storage.ScoredPoint> search(Points.QueryPoints r) {
    if (r.getPrefetchCount() > 0) {
      throw new RequestException.Unsupported("prefetch is not supported yet");
    }
    if (!r.hasQuery() || r.getQuery().getVariantCase() != Points.Query.VariantCase.NEAREST) {
      throw new RequestException.Unsupported("only nearest-vector queries are supported yet");
    }
    Points.VectorInput in = r.getQuery().getNearest();
    if (in.getVariantCase() != Points.VectorInput.VariantCase.DENSE) {
      throw new RequestException.Unsupported("only dense query vectors are supported yet");
    }
    var request =
        new SearchRequest(
            r.hasUsing() ? r.getUsing() : CollectionConfig.DEFAULT_VECTOR,
            ProtoCodec.floats(in.getDense().getDataList()),
            ProtoCodec.limit(r.hasLimit(), r.getLimit(), 10),
            ProtoCodec.offset(r.hasOffset(), r.getOffset()),
            r.hasScoreThreshold() ? r.getScoreThreshold() : null,
            ProtoCodec.withPayload(r.hasWithPayload(), r.getWithPayload(), WithPayload.NONE),
            ProtoCodec.withVectors(r.hasWithVectors(), r.getWithVectors()),
            r.hasParams() && r.getParams().hasHnswEf()
                ? ProtoCodec.limit(true, r.getParams().getHnswEf(), 1)
                : null,
            r.hasParams() && r.getParams().getExact(),
            FilterProto.parse(r.hasFilter(), r.getFilter()));
    return dispatcher.search(
        target(r.getCollectionName()),
        request,
        ProtoCodec.consistency(r.hasReadConsistency(), r.getReadConsistency()),
        ProtoCodec.shards(r.hasShardKeySelector(), r.getShardKeySelector()));
  }
}
