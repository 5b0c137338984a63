package dev.quiver.server.grpc;

import dev.quiver.server.metrics.Metrics;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Records every gRPC call in the metrics when it closes: its method, its status code, and how long
 * it took from its start (authentication and queueing included). The outermost interceptor, so
 * refused calls are counted too. Stateless apart from the metrics; thread-safe.
 */
final class CallMetrics implements ServerInterceptor {
  private final Metrics metrics;

  CallMetrics(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long started = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            metrics.grpcResponse(method, status.getCode().value(), System.nanoTime() - started);
            super.close(status, trailers);
          }
        },
        headers);
  }
}
