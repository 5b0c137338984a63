package dev.quiver.server.rest;

import dev.quiver.security.Forbidden;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.StorageException;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The REST edge's one error mapper: every exception a handler throws becomes Qdrant's error
 * envelope with Qdrant's status code and message prefix. Unexpected exceptions are logged here with
 * their stack trace and answered with a generic 500; no trace reaches the client.
 */
final class HttpErrors {
  private static final Logger LOG = LogManager.getLogger(HttpErrors.class);

  private HttpErrors() {}

  static RestResponse toResponse(Throwable e, String operationId, long startedNanos) {
    return switch (e) {
      case RequestException.Malformed m ->
          RestResponse.error(HttpResponseStatus.BAD_REQUEST, m.getMessage(), startedNanos);
      case RequestException.Invalid i ->
          RestResponse.error(HttpResponseStatus.UNPROCESSABLE_ENTITY, i.getMessage(), startedNanos);
      case RequestException.Unsupported u ->
          RestResponse.error(HttpResponseStatus.BAD_REQUEST, u.getMessage(), startedNanos);
      case RequestException.RateLimited l ->
          RestResponse.error(HttpResponseStatus.TOO_MANY_REQUESTS, l.getMessage(), startedNanos);
      case Forbidden f ->
          RestResponse.error(
              HttpResponseStatus.FORBIDDEN, "Forbidden: " + f.getMessage(), startedNanos);
      case StorageException.Timeout t ->
          RestResponse.error(
              HttpResponseStatus.REQUEST_TIMEOUT, "Timeout error: " + t.getMessage(), startedNanos);
      case StorageException.OverLimit o ->
          RestResponse.error(
              HttpResponseStatus.BAD_REQUEST, "Bad request: " + o.getMessage(), startedNanos);
      case StorageException.BadRequest b ->
          RestResponse.error(
              HttpResponseStatus.BAD_REQUEST, "Bad request: " + b.getMessage(), startedNanos);
      case StorageException.NotFound n ->
          RestResponse.error(
              HttpResponseStatus.NOT_FOUND, "Not found: " + n.getMessage(), startedNanos);
      case StorageException.AlreadyExists a ->
          RestResponse.error(
              HttpResponseStatus.CONFLICT, "Wrong input: " + a.getMessage(), startedNanos);
      case StorageException.BadInput b ->
          RestResponse.error(
              HttpResponseStatus.BAD_REQUEST, "Wrong input: " + b.getMessage(), startedNanos);
      case StorageException.InsufficientStorage q ->
          RestResponse.error(
              HttpResponseStatus.INSUFFICIENT_STORAGE,
              "Insufficient storage: " + q.getMessage(),
              startedNanos);
      case StorageException.Unavailable u -> {
        LOG.warn("{} failed: {}", operationId, u.getMessage());
        yield RestResponse.error(
            HttpResponseStatus.SERVICE_UNAVAILABLE,
            "Shard temporarily unavailable: " + u.getMessage(),
            startedNanos);
      }
      case StorageException s -> {
        LOG.error("{} failed in storage", operationId, s);
        yield RestResponse.error(
            HttpResponseStatus.INTERNAL_SERVER_ERROR,
            "Service internal error: " + s.getMessage(),
            startedNanos);
      }
      default -> {
        LOG.error("{} failed unexpectedly", operationId, e);
        yield RestResponse.error(
            HttpResponseStatus.INTERNAL_SERVER_ERROR,
            "Service internal error: unexpected error, see the server log",
            startedNanos);
      }
    };
  }
}
