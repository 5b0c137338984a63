package dev.quiver.server.grpc;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.server.request.CreateCollection;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionNames;
import dev.quiver.storage.Filter;
import dev.quiver.storage.ShardKey;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.CollectionsGrpc;
import java.util.List;

/** {@code qdrant.Collections}: decode, call the dispatcher, encode. */
final class CollectionsService extends CollectionsGrpc.CollectionsImplBase {
  private final Dispatcher dispatcher;
  private final CreateCollection.CollectionDefaults defaults;

  CollectionsService(Dispatcher dispatcher, CreateCollection.CollectionDefaults defaults) {
    this.dispatcher = dispatcher;
    this.defaults = defaults;
  }

  static String name(String collection) {
    String problem = CollectionNames.problem(collection);
    if (problem != null) {
      throw new RequestException.Invalid("body", "collection_name", problem);
    }
    return collection;
  }

  @Override
  public void create(
      Collections.CreateCollection r, StreamObserver<Collections.CollectionOperationResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Create",
        o,
        () -> {
          dispatcher
              .catalog()
              .createCollection(
                  name(r.getCollectionName()),
                  defaults.resolve(
                      CollectionProto.createCollection(r),
                      dispatcher.catalog().defaultShardNumber()));
          return Collections.CollectionOperationResponse.newBuilder()
              .setResult(true)
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void update(
      Collections.UpdateCollection r, StreamObserver<Collections.CollectionOperationResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Update",
        o,
        () -> {
          var update = CollectionProto.updateCollection(r);
          dispatcher.catalog().updateCollection(target(r.getCollectionName()), update::apply);
          return Collections.CollectionOperationResponse.newBuilder()
              .setResult(true)
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void get(
      Collections.GetCollectionInfoRequest r,
      StreamObserver<Collections.GetCollectionInfoResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Get",
        o,
        () ->
            Collections.GetCollectionInfoResponse.newBuilder()
                .setResult(collectionInfo(target(r.getCollectionName())))
                .setTime(secs(t))
                .build());
  }

  @Override
  public void list(
      Collections.ListCollectionsRequest r, StreamObserver<Collections.ListCollectionsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "List",
        o,
        () -> {
          var b = Collections.ListCollectionsResponse.newBuilder();
          dispatcher.catalog().listCollections().stream()
              .filter(AuthInterceptor.principal().access().visible())
              .forEach(
                  n -> b.addCollections(Collections.CollectionDescription.newBuilder().setName(n)));
          return b.setTime(secs(t)).build();
        });
  }

  @Override
  public void delete(
      Collections.DeleteCollection r, StreamObserver<Collections.CollectionOperationResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Delete",
        o,
        () ->
            Collections.CollectionOperationResponse.newBuilder()
                .setResult(dispatcher.catalog().deleteCollection(name(r.getCollectionName())))
                .setTime(secs(t))
                .build());
  }

  @Override
  public void collectionExists(
      Collections.CollectionExistsRequest r,
      StreamObserver<Collections.CollectionExistsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "CollectionExists",
        o,
        () ->
            Collections.CollectionExistsResponse.newBuilder()
                .setResult(
                    Collections.CollectionExists.newBuilder()
                        .setExists(
                            dispatcher.catalog().collectionExists(name(r.getCollectionName()))))
                .setTime(secs(t))
                .build());
  }

  @Override
  public void createShardKey(
      Collections.CreateShardKeyRequest r, StreamObserver<Collections.CreateShardKeyResponse> o) {
    GrpcErrors.unary(
        "CreateShardKey",
        o,
        () -> {
          var k = ClusterProto.createShardKey(r.getRequest());
          dispatcher
              .catalog()
              .createShardKey(
                  target(r.getCollectionName()),
                  k.key(),
                  k.shards(),
                  k.replicationFactor(),
                  k.placement());
          return Collections.CreateShardKeyResponse.newBuilder().setResult(true).build();
        });
  }

  @Override
  public void deleteShardKey(
      Collections.DeleteShardKeyRequest r, StreamObserver<Collections.DeleteShardKeyResponse> o) {
    GrpcErrors.unary(
        "DeleteShardKey",
        o,
        () -> {
          dispatcher
              .catalog()
              .deleteShardKey(
                  target(r.getCollectionName()),
                  ProtoCodec.shardKey(r.getRequest().getShardKey(), "request.shard_key"));
          return Collections.DeleteShardKeyResponse.newBuilder().setResult(true).build();
        });
  }

  @Override
  public void listShardKeys(
      Collections.ListShardKeysRequest r, StreamObserver<Collections.ListShardKeysResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "ListShardKeys",
        o,
        () -> {
          var b = Collections.ListShardKeysResponse.newBuilder();
          var keys = dispatcher.catalog().shardKeys(target(r.getCollectionName()));
          for (var key : keys == null ? List.<ShardKey>of() : keys) {
            b.addShardKeys(
                Collections.ShardKeyDescription.newBuilder().setKey(ProtoCodec.proto(key)));
          }
          return b.setTime(secs(t)).build();
        });
  }

  @Override
  public void collectionClusterInfo(
      Collections.CollectionClusterInfoRequest r,
      StreamObserver<Collections.CollectionClusterInfoResponse> o) {
    GrpcErrors.unary(
        "CollectionClusterInfo",
        o,
        () ->
            ClusterProto.proto(
                dispatcher.cluster().collectionClusterInfo(target(r.getCollectionName()))));
  }

  @Override
  public void updateCollectionClusterSetup(
      Collections.UpdateCollectionClusterSetupRequest r,
      StreamObserver<Collections.UpdateCollectionClusterSetupResponse> o) {
    GrpcErrors.unary(
        "UpdateCollectionClusterSetup",
        o,
        () -> {
          dispatcher.updateCollectionCluster(
              target(r.getCollectionName()), ClusterProto.shardOperation(r));
          return Collections.UpdateCollectionClusterSetupResponse.newBuilder()
              .setResult(true)
              .build();
        });
  }

  /** The collection's info with its payload schema (points counted per indexed field). */
  private Collections.CollectionInfo collectionInfo(String name) {
    var b = CollectionProto.proto(dispatcher.catalog().collectionInfo(name)).toBuilder();
    dispatcher
        .catalog()
        .payloadIndexes(name)
        .forEach(
            (field, spec) -> {
              var info =
                  Collections.PayloadSchemaInfo.newBuilder()
                      .setDataType(PayloadIndexProto.schemaType(spec.dataType()))
                      .setPoints(dispatcher.points().count(name, Filter.hasValue(field)));
              var params = PayloadIndexProto.proto(spec);
              if (params != null) {
                info.setParams(params);
              }
              b.putPayloadSchema(field, info.build());
            });
    return b.build();
  }

  /** The collection a request names, an alias resolved. */
  private String target(String collection) {
    return dispatcher.catalog().resolve(name(collection));
  }

  @Override
  public void updateAliases(
      Collections.ChangeAliases r, StreamObserver<Collections.CollectionOperationResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "UpdateAliases",
        o,
        () -> {
          dispatcher.catalog().changeAliases(CollectionProto.aliasActions(r));
          return Collections.CollectionOperationResponse.newBuilder()
              .setResult(true)
              .setTime(secs(t))
              .build();
        });
  }

  @Override
  public void listAliases(
      Collections.ListAliasesRequest r, StreamObserver<Collections.ListAliasesResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary("ListAliases", o, () -> aliases(null, t));
  }

  @Override
  public void listCollectionAliases(
      Collections.ListCollectionAliasesRequest r,
      StreamObserver<Collections.ListAliasesResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary("ListCollectionAliases", o, () -> aliases(target(r.getCollectionName()), t));
  }

  private Collections.ListAliasesResponse aliases(String collection, long started) {
    var b = Collections.ListAliasesResponse.newBuilder();
    var visible = AuthInterceptor.principal().access().visible();
    dispatcher
        .catalog()
        .aliases()
        .forEach(
            (alias, target) -> {
              if ((collection == null || collection.equals(target)) && visible.test(target)) {
                b.addAliases(
                    Collections.AliasDescription.newBuilder()
                        .setAliasName(alias)
                        .setCollectionName(target));
              }
            });
    return b.setTime(secs(started)).build();
  }

  static double secs(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}
