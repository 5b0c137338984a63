package dev.quiver.server.grpc;

import dev.quiver.api.QdrantApi;
import dev.quiver.server.config.BuildInfo;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.QdrantGrpc;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckRequest;

/** {@code qdrant.Qdrant}: the health check the official clients call. */
final class QdrantService extends QdrantGrpc.QdrantImplBase {
  @Override
  public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckReply> observer) {
    observer.onNext(
        HealthCheckReply.newBuilder()
            .setTitle(QdrantApi.TITLE)
            .setVersion(BuildInfo.QDRANT_API_VERSION)
            .build());
    observer.onCompleted();
  }
}
