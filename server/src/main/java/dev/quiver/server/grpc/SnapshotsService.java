package dev.quiver.server.grpc;

import com.google.protobuf.Timestamp;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.storage.SnapshotStore;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.SnapshotsGrpc;
import io.qdrant.client.grpc.SnapshotsService.CreateFullSnapshotRequest;
import io.qdrant.client.grpc.SnapshotsService.CreateSnapshotRequest;
import io.qdrant.client.grpc.SnapshotsService.CreateSnapshotResponse;
import io.qdrant.client.grpc.SnapshotsService.DeleteFullSnapshotRequest;
import io.qdrant.client.grpc.SnapshotsService.DeleteSnapshotRequest;
import io.qdrant.client.grpc.SnapshotsService.DeleteSnapshotResponse;
import io.qdrant.client.grpc.SnapshotsService.ListFullSnapshotsRequest;
import io.qdrant.client.grpc.SnapshotsService.ListSnapshotsRequest;
import io.qdrant.client.grpc.SnapshotsService.ListSnapshotsResponse;
import io.qdrant.client.grpc.SnapshotsService.SnapshotDescription;
import java.util.List;

/** {@code qdrant.Snapshots}: the same snapshot files as the REST endpoints. */
final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
  private final Dispatcher dispatcher;

  SnapshotsService(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  static SnapshotDescription proto(SnapshotStore.Description d) {
    var b =
        SnapshotDescription.newBuilder()
            .setName(d.name())
            .setCreationTime(
                Timestamp.newBuilder()
                    .setSeconds(d.creationTime().getEpochSecond())
                    .setNanos(d.creationTime().getNano()))
            .setSize(d.size());
    if (d.checksum() != null) {
      b.setChecksum(d.checksum());
    }
    return b.build();
  }

  private static ListSnapshotsResponse list(List<SnapshotStore.Description> all, long t) {
    var b = ListSnapshotsResponse.newBuilder();
    all.forEach(d -> b.addSnapshotDescriptions(proto(d)));
    return b.setTime(CollectionsService.secs(t)).build();
  }

  @Override
  public void create(CreateSnapshotRequest r, StreamObserver<CreateSnapshotResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Create",
        o,
        () ->
            CreateSnapshotResponse.newBuilder()
                .setSnapshotDescription(
                    proto(
                        dispatcher
                            .snapshots()
                            .create(CollectionsService.name(r.getCollectionName()))))
                .setTime(CollectionsService.secs(t))
                .build());
  }

  @Override
  public void list(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "List",
        o,
        () ->
            list(
                dispatcher.snapshots().store().list(CollectionsService.name(r.getCollectionName())),
                t));
  }

  @Override
  public void delete(DeleteSnapshotRequest r, StreamObserver<DeleteSnapshotResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "Delete",
        o,
        () -> {
          dispatcher
              .snapshots()
              .store()
              .delete(CollectionsService.name(r.getCollectionName()), r.getSnapshotName());
          return DeleteSnapshotResponse.newBuilder().setTime(CollectionsService.secs(t)).build();
        });
  }

  @Override
  public void createFull(CreateFullSnapshotRequest r, StreamObserver<CreateSnapshotResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "CreateFull",
        o,
        () ->
            CreateSnapshotResponse.newBuilder()
                .setSnapshotDescription(proto(dispatcher.snapshots().createFull()))
                .setTime(CollectionsService.secs(t))
                .build());
  }

  @Override
  public void listFull(ListFullSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary("ListFull", o, () -> list(dispatcher.snapshots().store().listFull(), t));
  }

  @Override
  public void deleteFull(DeleteFullSnapshotRequest r, StreamObserver<DeleteSnapshotResponse> o) {
    long t = System.nanoTime();
    GrpcErrors.unary(
        "DeleteFull",
        o,
        () -> {
          dispatcher.snapshots().store().deleteFull(r.getSnapshotName());
          return DeleteSnapshotResponse.newBuilder().setTime(CollectionsService.secs(t)).build();
        });
  }
}
