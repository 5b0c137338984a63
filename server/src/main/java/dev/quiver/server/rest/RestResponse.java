package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler answers: a status, a content type, extra headers and the body bytes, or a file
 * streamed from disk (snapshot downloads). Immutable.
 */
record RestResponse(
    HttpResponseStatus status,
    String contentType,
    byte[] body,
    Path file,
    boolean temporary,
    Map<String, String> headers) {
  RestResponse(HttpResponseStatus status, String contentType, byte[] body) {
    this(status, contentType, body, null, false, Map.of());
  }

  RestResponse(
      HttpResponseStatus status, String contentType, byte[] body, Path file, boolean temporary) {
    this(status, contentType, body, file, temporary, Map.of());
  }

  /** This response with {@code extra} headers added. */
  RestResponse withHeaders(Map<String, String> extra) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.putAll(extra);
    return new RestResponse(status, contentType, body, file, temporary, Map.copyOf(all));
  }

  /** A file download, streamed in chunks (never read whole into memory). */
  static RestResponse file(Path file) {
    return new RestResponse(
        HttpResponseStatus.OK, "application/octet-stream", new byte[0], file, false);
  }

  /** A download of a file made for this response alone, deleted once sent (or not sendable). */
  static RestResponse temporaryFile(Path file) {
    return new RestResponse(
        HttpResponseStatus.OK, "application/octet-stream", new byte[0], file, true);
  }

  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";

  /** Qdrant's success envelope: {@code {"result": ..., "status": "ok", "time": seconds}}. */
  static RestResponse ok(JsonNode result, long startedNanos) {
    var o = Json.MAPPER.createObjectNode();
    o.set("result", result);
    o.put("status", "ok");
    o.put("time", seconds(startedNanos));
    return new RestResponse(HttpResponseStatus.OK, JSON, Json.bytes(o));
  }

  /** Qdrant's error envelope: {@code {"status": {"error": message}, "time": seconds}}. */
  static RestResponse error(HttpResponseStatus status, String message, long startedNanos) {
    var o = Json.MAPPER.createObjectNode();
    o.putObject("status").put("error", message);
    o.put("time", seconds(startedNanos));
    return new RestResponse(status, JSON, Json.bytes(o));
  }

  /** A bare JSON body without envelope (as {@code GET /} answers). */
  static RestResponse raw(JsonNode body) {
    return new RestResponse(HttpResponseStatus.OK, JSON, Json.bytes(body));
  }

  static RestResponse text(HttpResponseStatus status, String text) {
    return new RestResponse(status, TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}
