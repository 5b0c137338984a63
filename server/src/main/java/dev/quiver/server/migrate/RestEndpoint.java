package dev.quiver.server.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One node's REST API as a migration calls it: JSON in, the {@code result} out, a refusal as a
 * {@link MigrationException} naming the call, its status and Qdrant's error text. The API key (or
 * JWT) goes in the {@code api-key} header as Qdrant's clients send it; an answer over {@link
 * #MAX_ANSWER_BYTES} is refused rather than read. Thread-safe as its {@link HttpClient} is.
 */
final class RestEndpoint {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The largest answer read, as {@link GrpcSource#MAX_MESSAGE_BYTES} over gRPC. */
  static final int MAX_ANSWER_BYTES = GrpcSource.MAX_MESSAGE_BYTES;

  private final URI base;
  private final String key;
  private final HttpClient http;
  private final Duration timeout;

  RestEndpoint(URI base, String key, HttpClient http, Duration timeout) {
    this.base = base;
    this.key = key;
    this.http = http;
    this.timeout = timeout;
  }

  /** {@code /collections/{name}} with the name escaped as a path segment. */
  static String collectionPath(String name) {
    return "/collections/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The {@code result} of a call that must succeed. */
  JsonNode call(String method, String path, JsonNode body)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> r = send(method, path, body);
    byte[] bytes;
    try (InputStream in = r.body()) {
      bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
    }
    if (bytes.length > MAX_ANSWER_BYTES) {
      throw new MigrationException(
          method
              + " "
              + base.resolve(path)
              + ": the answer is over "
              + (MAX_ANSWER_BYTES >> 20)
              + " MiB; use a smaller --batch");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    JsonNode answer = text.isEmpty() ? JsonNodeFactory.instance.objectNode() : JSON.readTree(text);
    if (r.statusCode() / 100 != 2) {
      String why = answer.path("status").path("error").asText(text);
      throw new MigrationException(
          method + " " + base.resolve(path) + ": " + r.statusCode() + " " + why);
    }
    return answer.path("result");
  }

  /** Whether {@code GET path} answers 200. */
  boolean exists(String path) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = send("GET", path, null);
    r.body().close();
    return r.statusCode() == 200;
  }

  private HttpResponse<InputStream> send(String method, String path, JsonNode body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(timeout)
            .header("content-type", "application/json");
    if (key != null) {
      b.header("api-key", key);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(
                JSON.writeValueAsString(body), StandardCharsets.UTF_8));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }
}
