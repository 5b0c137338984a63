package dev.quiver.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.qdrant.client.QdrantClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A started server as the clients see it: {@code http} (the JDK client) for setting up, {@code
 * rest} (one keep-alive connection per client thread) for the measured REST calls. Its clients are
 * thread-safe, so it is.
 */
record LoadTarget(
    HttpClient http, String base, String token, QdrantClient grpc, KeepAliveHttp rest) {
  HttpRequest.Builder request(String path) {
    var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  HttpRequest get(String path) {
    return request(path).GET().build();
  }

  HttpRequest post(String path, String method, String json) {
    return request(path)
        .header("content-type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  /** A measured REST call, made on the calling thread over its keep-alive connection. */
  CompletableFuture<?> sendAsync(String path, String method, String json) {
    return sendAsync(path, method, json == null ? null : new byte[][] {json.getBytes(UTF_8)});
  }

  /** As {@link #sendAsync(String, String, String)}, the body the concatenation of {@code parts}. */
  CompletableFuture<?> sendAsync(String path, String method, byte[][] parts) {
    try {
      var r = rest.send(method, path, parts);
      if (r.status() != 200) {
        throw new IllegalStateException(path + " -> " + r.status() + " " + r.body());
      }
      return CompletableFuture.completedFuture(r);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  void send(String path, String method, String json) throws Exception {
    var r = http.send(post(path, method, json), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
    }
  }

  void close() {
    grpc.close();
    rest.close();
  }
}
