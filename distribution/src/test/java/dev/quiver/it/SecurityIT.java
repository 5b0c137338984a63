package dev.quiver.it;

import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.QueryFactory.nearest;
import static io.qdrant.client.VectorsFactory.vectors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Points.LookupLocation;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.QueryPoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys, JWTs minted with {@code quiver jwt}, lookups into other collections, filtered lists, the
 * official client with keys, whitelist tricks, and the audit log, against the packaged server.
 */
class SecurityIT {
  static final String KEY = "security-it-full-key";
  static final String RO = "security-it-read-only";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;
  final List<QuiverProcess> nodes = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() throws Exception {
    for (QuiverProcess n : nodes) {
      n.close();
    }
  }

  private QuiverProcess start(String name, boolean trustForwarded) throws Exception {
    QuiverProcess n =
        new QuiverProcess(
                work.resolve(name),
                QuiverProcess.env(
                    "QDRANT__SERVICE__API_KEY",
                    KEY,
                    "QDRANT__SERVICE__READ_ONLY_API_KEY",
                    RO,
                    "QDRANT__SERVICE__JWT_RBAC",
                    "true",
                    "QDRANT__AUDIT__ENABLED",
                    "true",
                    "QDRANT__AUDIT__TRUST_FORWARDED_HEADERS",
                    String.valueOf(trustForwarded)))
            .start();
    nodes.add(n);
    return n;
  }

  private record Answer(int status, String body) {
    JsonNode json() throws Exception {
      return JSON.readTree(body);
    }
  }

  private Answer send(QuiverProcess n, String method, String path, String body, String... headers)
      throws Exception {
    var b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    var r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  /** Runs {@code bin/quiver jwt ...} with the node's key in the environment, as a user would. */
  private String mint(String... args) throws Exception {
    var cmd =
        new ArrayList<String>(
            List.of(QuiverProcess.home().resolve("bin/quiver").toString(), "jwt"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("QDRANT__SERVICE__API_KEY", KEY);
    pb.environment().put("QDRANT__SERVICE__JWT_RBAC", "true");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    String[] lines = out.split("\n");
    return lines[lines.length - 1].trim();
  }

  private static Status.Code code(Throwable t) {
    Throwable c = t instanceof ExecutionException ? t.getCause() : t;
    return ((StatusRuntimeException) c).getStatus().getCode();
  }

  @Test
  void keysTokensLookupsAndLists() throws Exception {
    QuiverProcess n = start("a", false);
    for (String c : List.of("c1", "c2", "users")) {
      assertThat(
              send(
                      n,
                      "PUT",
                      "/collections/" + c,
                      "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}",
                      "api-key",
                      KEY)
                  .status())
          .isEqualTo(200);
    }
    assertThat(
            send(
                    n,
                    "PUT",
                    "/collections/c1/points?wait=true",
                    "{\"points\":[{\"id\":1,\"vector\":[1,0]}]}",
                    "api-key",
                    KEY)
                .status())
        .isEqualTo(200);

    // whitelist only by resolved route
    assertThat(send(n, "GET", "/healthz", null).status()).isEqualTo(200);
    assertThat(send(n, "GET", "/readyz/", null).status()).isEqualTo(200);
    for (String trick :
        List.of(
            "/healthz/../collections",
            "/healthz%2f..%2fcollections",
            "/collections/",
            "/healthz/x",
            "/nope")) {
      Answer a = send(n, "GET", trick, null);
      assertThat(a.status()).as(trick).isEqualTo(401);
      assertThat(a.body()).isEqualTo("Must provide an API key or an Authorization bearer token");
    }
    assertThat(send(n, "GET", "/collections", null, "api-key", "wrong").body())
        .isEqualTo("Invalid API key or JWT");
    Answer ro = send(n, "PUT", "/collections/c1/points", "{\"points\":[]}", "API-Key", RO);
    assertThat(ro.status()).isEqualTo(403);
    assertThat(ro.json().at("/status/error").asText())
        .isEqualTo("Forbidden: Global manage access is required");

    // tokens from the CLI
    String cr = mint("--collection", "c1:r", "--subject", "analyst", "--exp", "1h");
    Answer list = send(n, "GET", "/collections", null, "authorization", "Bearer " + cr);
    assertThat(list.json().at("/result/collections").findValuesAsText("name"))
        .containsExactly("c1");
    assertThat(
            send(
                    n,
                    "POST",
                    "/collections/c1/points/query",
                    "{\"query\":[1,0]}",
                    "authorization",
                    "Bearer " + cr)
                .status())
        .isEqualTo(200);
    Answer lookup =
        send(
            n,
            "POST",
            "/collections/c1/points/query",
            "{\"query\":[1,0],\"lookup_from\":{\"collection\":\"c2\"}}",
            "authorization",
            "Bearer " + cr);
    assertThat(lookup.status()).isEqualTo(403);
    assertThat(lookup.json().at("/status/error").asText())
        .isEqualTo("Forbidden: Access to collection c2 is required");
    Answer nested =
        send(
            n,
            "POST",
            "/collections/c1/points/query",
            "{\"prefetch\":[{\"prefetch\":{\"query\":[1,0],\"lookup_from\":{\"collection\":\"users\"}}}],\"query\":[1,0]}",
            "authorization",
            "Bearer " + cr);
    assertThat(nested.json().at("/status/error").asText())
        .isEqualTo("Forbidden: Access to collection users is required");

    // value_exists: valid only while the matching point exists
    String vex = mint("--access", "r", "--value-exists", "tokens:tokenId=token_42");
    Answer noCollection = send(n, "GET", "/collections", null, "api-key", vex);
    assertThat(noCollection.status()).isEqualTo(403);
    assertThat(noCollection.body()).isEqualTo("Invalid JWT, stateful validation failed");
    send(
        n,
        "PUT",
        "/collections/tokens",
        "{\"vectors\":{\"size\":1,\"distance\":\"Dot\"}}",
        "api-key",
        KEY);
    assertThat(send(n, "GET", "/collections", null, "api-key", vex).status()).isEqualTo(401);
    send(
        n,
        "PUT",
        "/collections/tokens/points?wait=true",
        "{\"points\":[{\"id\":42,\"vector\":[1],\"payload\":{\"tokenId\":\"token_42\"}}]}",
        "api-key",
        KEY);
    assertThat(send(n, "GET", "/collections", null, "api-key", vex).status()).isEqualTo(200);
    try (QdrantClient vexClient = client(n, vex)) { // gRPC checks the condition off the event loop
      assertThat(vexClient.listCollectionsAsync().get()).contains("tokens");
      assertThat(vexClient.countAsync("tokens").get()).isEqualTo(1L);
      send(
          n,
          "POST",
          "/collections/tokens/points/delete?wait=true",
          "{\"points\":[42]}",
          "api-key",
          KEY);
      assertThat(send(n, "GET", "/collections", null, "api-key", vex).status()).isEqualTo(401);
      assertThat(code(catchThrowable(() -> vexClient.listCollectionsAsync().get())))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(code(catchThrowable(() -> vexClient.countAsync("tokens").get())))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    // the official Java client with keys and tokens
    try (QdrantClient none = client(n, null);
        QdrantClient reader = client(n, RO);
        QdrantClient scoped = client(n, cr);
        QdrantClient full = client(n, KEY)) {
      assertThat(code(catchThrowable(() -> none.listCollectionsAsync().get())))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(none.healthCheckAsync().get().getTitle())
          .isEqualTo("qdrant - vector search engine");
      assertThat(reader.listCollectionsAsync().get()).contains("c1", "c2", "users");
      assertThat(
              code(
                  catchThrowable(
                      () ->
                          reader
                              .upsertAsync(
                                  "c1",
                                  List.of(
                                      PointStruct.newBuilder()
                                          .setId(id(2))
                                          .setVectors(vectors(0f, 1f))
                                          .build()))
                              .get())))
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(scoped.listCollectionsAsync().get()).containsExactly("c1");
      assertThat(
              scoped
                  .queryAsync(
                      QueryPoints.newBuilder()
                          .setCollectionName("c1")
                          .setQuery(nearest(1f, 0f))
                          .build())
                  .get())
          .hasSize(1);
      assertThatThrownBy(
              () ->
                  scoped
                      .queryAsync(
                          QueryPoints.newBuilder()
                              .setCollectionName("c1")
                              .setQuery(nearest(1f, 0f))
                              .setLookupFrom(LookupLocation.newBuilder().setCollectionName("c2"))
                              .build())
                      .get())
          .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED))
          .hasMessageContaining("Forbidden: Access to collection c2 is required");
      assertThat(code(catchThrowable(() -> scoped.getCollectionInfoAsync("c2").get())))
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(
              full.upsertAsync(
                      "c1",
                      List.of(
                          PointStruct.newBuilder()
                              .setId(id(2))
                              .setVectors(vectors(0f, 1f))
                              .build()))
                  .get()
                  .getStatus()
                  .name())
          .isEqualTo("Completed");
    }
  }

  private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
    return org.assertj.core.api.Assertions.catchThrowable(c);
  }

  private static QdrantClient client(QuiverProcess n, String key) {
    var b = QdrantGrpcClient.newBuilder("127.0.0.1", n.grpcPort, false, false);
    if (key != null) {
      b.withApiKey(key);
    }
    return new QdrantClient(b.build());
  }

  private List<JsonNode> auditEntries(QuiverProcess n) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(n.workDir.resolve("storage/audit"))) {
      for (Path f : s.sorted().toList()) {
        for (String line : Files.readAllLines(f)) {
          out.add(JSON.readTree(line));
        }
      }
    }
    return out;
  }

  /**
   * {@code GET /security/check} evaluates the security checklist against the running node's
   * configuration, for manage rights only: this node has keys, JWT and the audit log but serves
   * plain text, so the check fails and names TLS with its fix.
   */
  @Test
  void securityCheckNamesWhatIsMissing() throws Exception {
    QuiverProcess n = start("check", false);
    Answer check = send(n, "GET", "/security/check", null, "api-key", KEY);
    assertThat(check.status()).as(check.body()).isEqualTo(200);
    JsonNode result = check.json().get("result");
    assertThat(result.get("passed").asBoolean()).isFalse();
    Map<String, JsonNode> items = new HashMap<>();
    result.get("items").forEach(i -> items.put(i.get("item").asText(), i));
    assertThat(items.get("tls").get("verdict").asText()).isEqualTo("fail");
    assertThat(items.get("tls").get("fix").asText()).contains("service.enable_tls");
    assertThat(items.get("jwt_rbac").get("verdict").asText()).isEqualTo("pass");
    assertThat(items.get("audit_log").get("verdict").asText()).isEqualTo("pass");
    // a key of 20 characters is set but weak
    assertThat(items.get("api_key").get("verdict").asText()).isEqualTo("warn");
    // manage rights only: a global manage token may, the read-only key and a read token may not
    String manage = mint("--access", "m", "--subject", "operator");
    assertThat(
            send(n, "GET", "/security/check", null, "authorization", "Bearer " + manage).status())
        .isEqualTo(200);
    assertThat(send(n, "GET", "/security/check", null, "api-key", RO).status()).isEqualTo(403);
    String read = mint("--access", "r", "--subject", "viewer");
    assertThat(send(n, "GET", "/security/check", null, "authorization", "Bearer " + read).status())
        .isEqualTo(403);
    assertThat(send(n, "GET", "/security/check", null).status()).isEqualTo(401);
  }

  @Test
  void auditLogRecordsCheckedRequestsOnly() throws Exception {
    QuiverProcess n = start("a", false);
    send(n, "GET", "/healthz", null);
    send(n, "GET", "/", null);
    send(n, "GET", "/readyz", null);
    send(n, "GET", "/metrics", null, "api-key", KEY);
    send(n, "GET", "/telemetry", null, "api-key", KEY);
    assertThat(auditEntries(n)).as("health and scrapes are not audited").isEmpty();

    String token = mint("--access", "r", "--subject", "dashboards");
    send(
        n,
        "GET",
        "/collections",
        null,
        "authorization",
        "Bearer " + token,
        "user-agent",
        "qdrant-client/1.0.0",
        "x-request-id",
        "req-7",
        "x-forwarded-for",
        "6.6.6.6");
    send(
        n,
        "PUT",
        "/collections/c",
        "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}",
        "api-key",
        RO);
    send(n, "GET", "/collections", null);
    try (QdrantClient full = client(n, KEY)) {
      full.listCollectionsAsync().get();
    }
    List<JsonNode> entries = auditEntries(n);
    assertThat(entries).hasSize(4);
    JsonNode ok = entries.get(0);
    assertThat(ok.get("timestamp").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(ok.get("client_ip").asText())
        .as("forwarded headers are not trusted by default")
        .isEqualTo("127.0.0.1");
    assertThat(ok.get("method").asText()).isEqualTo("GET");
    assertThat(ok.get("path").asText()).isEqualTo("/collections");
    assertThat(ok.get("status").asInt()).isEqualTo(200);
    assertThat(ok.get("user_agent").asText()).isEqualTo("qdrant-client/1.0.0");
    assertThat(ok.get("duration_ms").isIntegralNumber()).isTrue();
    assertThat(ok.get("operation").asText()).isEqualTo("get_collections");
    assertThat(ok.get("auth_type").asText()).isEqualTo("Jwt");
    assertThat(ok.get("subject").asText()).isEqualTo("dashboards");
    assertThat(ok.get("tracing_id").asText()).isEqualTo("req-7");
    assertThat(ok.get("result").asText()).isEqualTo("ok");
    JsonNode denied = entries.get(1);
    assertThat(denied.get("result").asText()).isEqualTo("denied");
    assertThat(denied.get("status").asInt()).isEqualTo(403);
    assertThat(denied.get("collection").asText()).isEqualTo("c");
    assertThat(denied.get("error").asText())
        .isEqualTo("Forbidden: Global manage access is required");
    assertThat(denied.get("auth_type").asText()).isEqualTo("ApiKey");
    JsonNode unauthenticated = entries.get(2);
    assertThat(unauthenticated.get("status").asInt()).isEqualTo(401);
    assertThat(unauthenticated.get("error").asText())
        .isEqualTo("Unauthorized: Must provide an API key or an Authorization bearer token");
    JsonNode grpc = entries.get(3);
    assertThat(grpc.get("method").asText()).isEqualTo("gRPC");
    assertThat(grpc.get("path").asText()).isEqualTo("/qdrant.Collections/List");
    assertThat(grpc.get("result").asText()).isEqualTo("ok");

    // the query API: manage only, filters by field
    assertThat(send(n, "POST", "/audit/logs", "{}", "api-key", RO).status()).isEqualTo(403);
    Answer q =
        send(
            n,
            "POST",
            "/audit/logs",
            "{\"filters\":{\"result\":\"denied\"},\"limit\":10}",
            "api-key",
            KEY);
    assertThat(q.status()).isEqualTo(200);
    JsonNode found = q.json().at("/result/entries");
    assertThat(found).as("the refused query itself is audited too").hasSize(3);
    assertThat(found.get(0).get("operation").asText()).as("newest first").isEqualTo("audit_logs");
    assertThat(found.get(1).get("status").asInt()).isEqualTo(401);
    assertThat(found.get(2).get("status").asInt()).isEqualTo(403);

    QuiverProcess behindProxy = start("b", true);
    send(
        behindProxy,
        "GET",
        "/collections",
        null,
        "api-key",
        KEY,
        "x-forwarded-for",
        "6.6.6.6, 10.0.0.1");
    send(
        behindProxy,
        "GET",
        "/collections",
        null,
        "api-key",
        KEY,
        "forwarded",
        "for=7.7.7.7;proto=https");
    List<JsonNode> proxied = auditEntries(behindProxy);
    assertThat(proxied)
        .extracting(e -> e.get("client_ip").asText())
        .containsExactly("6.6.6.6", "7.7.7.7");
    for (QuiverProcess p : nodes) {
      try (Stream<Path> s = Files.walk(p.workDir)) {
        for (Path f : s.filter(x -> x.toString().endsWith(".log")).toList()) {
          String text = Files.readString(f);
          assertThat(text).doesNotContain(KEY).doesNotContain(RO).doesNotContain(token);
        }
      }
    }
  }
}
