package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.security.Principal;
import dev.quiver.server.request.RequestException;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;

/**
 * A decoded REST request as handlers see it. One thread handles it; the body is parsed at most once
 * (batch upserts carry megabytes of JSON).
 */
final class RestRequest {
  private final String operationId;
  private final Principal principal;
  private final Map<String, String> pathParams;
  private final Map<String, List<String>> queryParams;
  private final HttpHeaders headers;
  private final byte[] body;
  private final long startedNanos;

  RestRequest(
      String operationId,
      Principal principal,
      Map<String, String> pathParams,
      Map<String, List<String>> queryParams,
      HttpHeaders headers,
      byte[] body,
      long startedNanos) {
    this.operationId = operationId;
    this.principal = principal;
    this.pathParams = pathParams;
    this.queryParams = queryParams;
    this.headers = headers;
    this.body = body;
    this.startedNanos = startedNanos;
  }

  String operationId() {
    return operationId;
  }

  Principal principal() {
    return principal;
  }

  Map<String, String> pathParams() {
    return pathParams;
  }

  Map<String, List<String>> queryParams() {
    return queryParams;
  }

  HttpHeaders headers() {
    return headers;
  }

  byte[] body() {
    return body;
  }

  long startedNanos() {
    return startedNanos;
  }

  String path(String name) {
    return pathParams.get(name);
  }

  private JsonNode parsed;

  /**
   * The body parsed as JSON (once; later calls return the same tree); malformed JSON is a 400, and
   * so is a field the operation does not read ({@link RequestFields}). An empty body reads as
   * {@code {}}.
   */
  JsonNode json() {
    if (parsed == null) {
      parsed = Json.parse(body);
    }
    RequestFields.check(operationId, parsed);
    return parsed;
  }

  /** A query parameter's (last) value, or null. */
  String stringQuery(String name) {
    List<String> values = queryParams.get(name);
    return values == null || values.isEmpty() ? null : values.getLast();
  }

  /** A non-negative integer query parameter; absent gives {@code absent}. */
  int intQuery(String name, int absent) {
    List<String> values = queryParams.get(name);
    if (values == null || values.isEmpty()) {
      return absent;
    }
    try {
      int v = Integer.parseInt(values.getLast());
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new RequestException.Malformed(
        "Query deserialize error: " + name + ": invalid digit found in string");
  }

  /** A boolean query parameter ({@code wait}); absent gives {@code absent}. */
  boolean boolQuery(String name, boolean absent) {
    List<String> values = queryParams.get(name);
    if (values == null || values.isEmpty()) {
      return absent;
    }
    String v = values.getLast();
    return switch (v) {
      case "true", "" -> true;
      case "false" -> false;
      default ->
          throw new RequestException.Malformed(
              "Query deserialize error: " + name + ": provided string was not `true` or `false`");
    };
  }

  /** Validates the {@code ordering} query parameter, which single-node mode accepts and ignores. */
  void checkOrdering() {
    List<String> values = queryParams.get("ordering");
    if (values != null && !values.isEmpty()) {
      String v = values.getLast();
      if (!v.equals("weak") && !v.equals("medium") && !v.equals("strong")) {
        throw new RequestException.Malformed(
            "Query deserialize error: unknown variant `"
                + v
                + "`, expected one of `weak`, `medium`, `strong`");
      }
    }
  }

  /**
   * The {@code consistency} query parameter of reads: N, {@code majority}, {@code quorum}, {@code
   * all}.
   */
  ReadConsistency consistency() {
    List<String> values = queryParams.get("consistency");
    if (values == null || values.isEmpty()) {
      return ReadConsistency.ONE;
    }
    var parsed = ReadConsistency.parse(values.getLast());
    if (parsed == null) {
      throw new RequestException.Malformed(
          "Query deserialize error: consistency `"
              + values.getLast()
              + "` is not a positive integer, `majority`, `quorum` or `all`");
    }
    return parsed;
  }
}
