package dev.quiver.server.grpc;

import dev.quiver.security.Forbidden;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.StorageException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The gRPC edge's one error mapper, matching Qdrant's status codes; the descriptions carry the same
 * text as the REST messages. Unexpected exceptions are logged here and answered with INTERNAL
 * without details.
 */
final class GrpcErrors {
  private static final Logger LOG = LogManager.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  static StatusRuntimeException toStatus(Throwable e, String method) {
    Status status =
        switch (e) {
          case RequestException.Malformed m ->
              Status.INVALID_ARGUMENT.withDescription(m.getMessage());
          case RequestException.Invalid i ->
              Status.INVALID_ARGUMENT.withDescription(i.getMessage());
          case RequestException.Unsupported u ->
              Status.INVALID_ARGUMENT.withDescription(u.getMessage());
          case RequestException.RateLimited l ->
              Status.RESOURCE_EXHAUSTED.withDescription(l.getMessage());
          case Forbidden f ->
              Status.PERMISSION_DENIED.withDescription("Forbidden: " + f.getMessage());
          case StorageException.Timeout t ->
              Status.DEADLINE_EXCEEDED.withDescription("Timeout error: " + t.getMessage());
          case StorageException.OverLimit o ->
              Status.INVALID_ARGUMENT.withDescription("Bad request: " + o.getMessage());
          case StorageException.BadRequest b ->
              Status.INVALID_ARGUMENT.withDescription("Bad request: " + b.getMessage());
          case StorageException.NotFound n ->
              Status.NOT_FOUND.withDescription("Not found: " + n.getMessage());
          case StorageException.AlreadyExists a ->
              Status.ALREADY_EXISTS.withDescription("Wrong input: " + a.getMessage());
          case StorageException.BadInput b ->
              Status.INVALID_ARGUMENT.withDescription("Wrong input: " + b.getMessage());
          case StorageException.InsufficientStorage q ->
              Status.RESOURCE_EXHAUSTED.withDescription("Insufficient storage: " + q.getMessage());
          case StorageException.Corrupted c -> {
            LOG.error("{} failed: corrupted storage", method, c);
            yield Status.DATA_LOSS.withDescription("Service internal error: " + c.getMessage());
          }
          case StorageException.Unavailable u -> {
            LOG.warn("{} failed: {}", method, u.getMessage());
            yield Status.UNAVAILABLE.withDescription(
                "Shard temporarily unavailable: " + u.getMessage());
          }
          case StorageException s -> {
            LOG.error("{} failed in storage", method, s);
            yield Status.INTERNAL.withDescription("Service internal error: " + s.getMessage());
          }
          // protobuf's accessors refuse an enum number the proto does not define (proto3 keeps
          // them): the client's error, found where the handler first touches the value
          case IllegalArgumentException iae
              when String.valueOf(iae.getMessage()).contains("unknown enum value") ->
              Status.INVALID_ARGUMENT.withDescription(
                  "Bad request: the request holds an enum value its proto does not define");
          default -> {
            LOG.error("{} failed unexpectedly", method, e);
            yield Status.INTERNAL.withDescription(
                "Service internal error: unexpected error, see the server log");
          }
        };
    return clipped(status).asRuntimeException();
  }

  /** The longest status description sent: it travels in a header, which clients cap near 8 KB. */
  static final int MAX_DESCRIPTION = 2048;

  /**
   * {@code status} with its description cut to {@link #MAX_DESCRIPTION} characters: an error that
   * quotes a client's value (a 100 KB name) must not make the answer too large for the client.
   */
  static Status clipped(Status status) {
    String d = status.getDescription();
    if (d == null || d.length() <= MAX_DESCRIPTION) {
      return status;
    }
    return status.withDescription(
        d.substring(0, MAX_DESCRIPTION) + "...(" + (d.length() - MAX_DESCRIPTION) + " more)");
  }

  /** Runs {@code body} and completes {@code observer} with its result or its mapped error. */
  static <T> void unary(String method, StreamObserver<T> observer, Body<T> body) {
    T result;
    try {
      result = body.run();
    } catch (RuntimeException | AssertionError e) {
      observer.onError(toStatus(e, method));
      return;
    }
    observer.onNext(result);
    observer.onCompleted();
  }

  /** A unary call's work. */
  interface Body<T> {
    T run();
  }
}
