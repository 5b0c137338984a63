package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * Plain HTTP/1.1 against a node, checking every JSON answer against the OpenAPI schema of the
 * operation it called, and that no error body carries a stack trace.
 */
final class Rest {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final String base;
  private final OpenApiValidator openApi;
  private final String apiKey;

  record Answer(int status, String body, String contentType) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    JsonNode result() {
      return json().get("result");
    }

    String error() {
      return json().path("status").path("error").asText();
    }
  }

  Rest(int port, OpenApiValidator openApi) {
    this(port, openApi, null, null);
  }

  /** HTTPS trusting {@code tls} when given, sending {@code apiKey} when given. */
  Rest(int port, OpenApiValidator openApi, javax.net.ssl.SSLContext tls, String apiKey) {
    this("127.0.0.1", port, openApi, tls, apiKey);
  }

  /** As {@link #Rest(int, OpenApiValidator, javax.net.ssl.SSLContext, String)} on {@code host}. */
  Rest(
      String host,
      int port,
      OpenApiValidator openApi,
      javax.net.ssl.SSLContext tls,
      String apiKey) {
    var b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      b.sslContext(tls);
    }
    this.http = b.build();
    this.base = (tls == null ? "http" : "https") + "://" + host + ":" + port;
    this.openApi = openApi;
    this.apiKey = apiKey;
  }

  /** The same node without the API key. */
  Rest anonymous() {
    return new Rest(this, null);
  }

  private Rest(Rest other, String apiKey) {
    this.http = other.http;
    this.base = other.base;
    this.openApi = other.openApi;
    this.apiKey = apiKey;
  }

  Answer send(String method, String path, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (apiKey != null) {
      b.header("api-key", apiKey);
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      ThreadDumps.ofNodes(method + " " + base + path + " timed out");
      throw e;
    }
    Answer a =
        new Answer(r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""));
    assertThat(a.body())
        .as("no stack trace in %s %s", method, path)
        .doesNotContain("Exception")
        .doesNotContain("\tat ")
        .doesNotContain("dev.quiver.");
    return a;
  }

  /** POSTs {@code content} as the multipart/form-data file part {@code part}. */
  Answer upload(String path, String part, byte[] content) throws Exception {
    String boundary = "quiver-test-" + System.nanoTime();
    var body = new java.io.ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\""
                + part
                + "\"; filename=\"upload.snapshot\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    body.write(content);
    body.write(
        ("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    var b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    if (apiKey != null) {
      b.header("api-key", apiKey);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""));
  }

  /** GETs a binary body (snapshot downloads): status and bytes. */
  record Download(int status, byte[] body, String contentType) {}

  Download download(String path) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).GET();
    if (apiKey != null) {
      b.header("api-key", apiKey);
    }
    HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Download(
        r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""));
  }

  /**
   * Sends a request that must be refused: asserts its status and that its error message contains
   * {@code fragment}.
   */
  Answer refused(String method, String path, String body, int status, String fragment)
      throws Exception {
    Answer a = send(method, path, body);
    assertThat(a.status()).as("%s %s -> %s", method, path, a.body()).isEqualTo(status);
    assertThat(a.error()).as("%s %s", method, path).contains(fragment);
    return a;
  }

  /** Sends and validates the JSON answer against the operation's schema for its status code. */
  Answer call(String method, String template, String path, String body) throws Exception {
    Answer a = send(method, path, body);
    assertThat(a.contentType()).as("%s %s", method, path).startsWith("application/json");
    JsonNode schema = openApi.responseSchema(template, method, a.status());
    assertThat(openApi.validate(schema, a.json()))
        .as("%s %s -> %s %s", method, path, a.status(), a.body())
        .isEmpty();
    return a;
  }

  /** For the deprecated routes that the spec no longer lists: the envelope with a list of items. */
  Answer callListOf(String method, String path, String body, String itemSchema) throws Exception {
    Answer a = send(method, path, body);
    if (a.status() == 200) {
      assertThat(a.json().path("status").asText()).isEqualTo("ok");
      assertThat(a.json().path("time").isNumber()).isTrue();
      for (JsonNode item : a.result()) {
        assertThat(openApi.validate(openApi.component(itemSchema), item))
            .as("%s %s", method, path)
            .isEmpty();
      }
    } else {
      assertThat(openApi.validate(openApi.component("ErrorResponse"), a.json())).isEmpty();
    }
    return a;
  }
}
