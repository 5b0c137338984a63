package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.algorithms.Algorithm;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.quiver.security.Action;
import dev.quiver.security.ActionTable;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operation, on REST and on gRPC, with every kind of credential: the answer must be what
 * Qdrant's access matrix (reference §4.2, and §4.1's model where the matrix is silent) says. The
 * expectations are written here from the reference, independently of Quiver's action table; the
 * table is only used to list the operations, and a test fails when one has no expectation.
 */
class AccessMatrixIT {
  static final String KEY = "matrix-full-key";
  static final String ALT = "matrix-alt-key-for-rotation";
  static final String RO = "matrix-read-only-key";

  /** Expectations for r, cr, crw, cprw: Y allowed, n denied. By operation name. */
  static final Map<String, String> EXPECT = new HashMap<>();

  static {
    for (String op :
        List.of("root", "healthz", "livez", "readyz", "health_check", "console", "console_asset")) {
      EXPECT.put(op, "OPEN");
    }
    for (String op :
        List.of(
            "get_collections",
            "get_collection",
            "collection_exists",
            "collection_cluster_info",
            "get_optimizations",
            "get_collection_aliases",
            "get_collections_aliases",
            "list_shard_keys",
            "cluster_telemetry",
            "get_point",
            "get_points",
            "scroll_points",
            "count_points",
            "facet",
            "search_points",
            "search_batch_points",
            "search_point_groups",
            "recommend_points",
            "recommend_batch_points",
            "recommend_point_groups",
            "discover_points",
            "discover_batch_points",
            "query_points",
            "query_batch_points",
            "query_points_groups",
            "search_matrix_pairs",
            "search_matrix_offsets",
            "telemetry",
            "get_issues",
            "collection_memory")) {
      EXPECT.put(op, "YYYY");
    }
    for (String m :
        List.of(
            "ListFiles",
            "FileExists",
            "FileLength",
            "ReadBytes",
            "ReadBytesStream",
            "ReadWhole",
            "ReadBatch",
            "ReadMulti")) {
      EXPECT.put("storage_read_" + m, "YYYY");
    }
    for (String op :
        List.of(
            "create_collection",
            "update_collection",
            "delete_collection",
            "update_collection_cluster",
            "update_aliases",
            "create_shard_key",
            "delete_shard_key",
            "recover_from_snapshot",
            "recover_from_uploaded_snapshot",
            "recover_shard_from_snapshot",
            "recover_shard_from_uploaded_snapshot",
            "create_full_snapshot",
            "delete_full_snapshot",
            "recover_current_peer",
            "remove_peer",
            "update_quotas",
            "clear_issues",
            "update_logger_config",
            "audit_logs",
            "security_check",
            "get_stacktrace",
            "truncate_unapplied_wal",
            "update_cluster_metadata_key",
            "delete_cluster_metadata_key")) {
      EXPECT.put(op, "nnnn");
    }
    for (String op :
        List.of(
            "create_field_index",
            "delete_field_index",
            "create_vector_name",
            "delete_vector_name",
            "create_snapshot",
            "delete_snapshot",
            "create_shard_snapshot",
            "delete_shard_snapshot",
            "stream_shard_snapshot")) {
      EXPECT.put(op, "nnYn");
    }
    for (String op :
        List.of("list_snapshots", "get_snapshot", "list_shard_snapshots", "get_shard_snapshot")) {
      EXPECT.put(op, "YYYn");
    }
    for (String op :
        List.of(
            "list_full_snapshots",
            "get_full_snapshot",
            "cluster_status",
            "get_quotas",
            "metrics",
            "get_logger_config",
            "list_cluster_metadata_keys",
            "get_cluster_metadata_key")) {
      EXPECT.put(op, "Ynnn");
    }
    for (String op :
        List.of(
            "upsert_points",
            "delete_points",
            "batch_update",
            "update_vectors",
            "delete_vectors",
            "set_payload",
            "overwrite_payload",
            "delete_payload",
            "clear_payload")) {
      EXPECT.put(op, "nnYY");
    }
  }

  /** A credential kind and how its refusals look. */
  enum Cred {
    NONE(null, 401),
    WRONG_KEY(null, 401),
    READ_ONLY_KEY(0, 0),
    FULL_KEY(-1, 0),
    ALT_KEY(-1, 0),
    JWT_R(0, 0),
    JWT_M(-1, 0),
    JWT_CR(1, 0),
    JWT_CRW(2, 0),
    JWT_CPRW(3, 0),
    JWT_EXPIRED(null, 403),
    JWT_WRONG_SECRET(null, 403),
    JWT_ALG_NONE(null, 401),
    JWT_PAYLOAD_CLAIM(null, 401);

    /** Column of EXPECT (-1: allowed everywhere; null: refused at authentication). */
    final Integer column;

    /** The REST status of an authentication refusal (0 when it authenticates). */
    final int authStatus;

    Cred(Integer column, int authStatus) {
      this.column = column;
      this.authStatus = authStatus;
    }
  }

  @TempDir static Path work;
  static QuiverProcess node;
  static final Map<Cred, String> SECRETS = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    node =
        new QuiverProcess(
                work,
                QuiverProcess.env(
                    "QDRANT__SERVICE__API_KEY",
                    KEY,
                    "QDRANT__SERVICE__ALT_API_KEY",
                    ALT,
                    "QDRANT__SERVICE__READ_ONLY_API_KEY",
                    RO,
                    "QDRANT__SERVICE__JWT_RBAC",
                    "true",
                    "QDRANT__AUDIT__ENABLED",
                    "true",
                    "QDRANT__AUDIT__DIR",
                    work.resolve("audit").toString()))
            .start();
    SECRETS.put(Cred.WRONG_KEY, "not-a-key");
    SECRETS.put(Cred.READ_ONLY_KEY, RO);
    SECRETS.put(Cred.FULL_KEY, KEY);
    SECRETS.put(Cred.ALT_KEY, ALT);
    SECRETS.put(Cred.JWT_R, jwt(KEY, "{\"access\":\"r\",\"subject\":\"reader\"}"));
    SECRETS.put(Cred.JWT_M, jwt(ALT, "{\"access\":\"m\"}"));
    SECRETS.put(Cred.JWT_CR, jwt(KEY, "{\"access\":[{\"collection\":\"c1\",\"access\":\"r\"}]}"));
    SECRETS.put(Cred.JWT_CRW, jwt(KEY, "{\"access\":[{\"collection\":\"c1\",\"access\":\"rw\"}]}"));
    SECRETS.put(
        Cred.JWT_CPRW, jwt(KEY, "{\"access\":[{\"collection\":\"c1\",\"access\":\"prw\"}]}"));
    SECRETS.put(
        Cred.JWT_EXPIRED,
        jwt(KEY, "{\"access\":\"m\",\"exp\":" + (Instant.now().getEpochSecond() - 3600) + "}"));
    SECRETS.put(Cred.JWT_WRONG_SECRET, jwt("some-other-secret", "{\"access\":\"m\"}"));
    var b64 = Base64.getUrlEncoder().withoutPadding();
    SECRETS.put(
        Cred.JWT_ALG_NONE,
        b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString("{\"access\":\"m\"}".getBytes(StandardCharsets.UTF_8))
            + ".");
    SECRETS.put(
        Cred.JWT_PAYLOAD_CLAIM,
        jwt(KEY, "{\"access\":[{\"collection\":\"c1\",\"access\":\"r\",\"payload\":{\"a\":1}}]}"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  static String jwt(String secret, String payloadJson) {
    var b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
    return signingInput
        + "."
        + b64.encodeToString(
            Algorithm.HMAC256(secret).sign(signingInput.getBytes(StandardCharsets.UTF_8)));
  }

  /** "allowed", or the refusal seen. */
  static String expected(String op, Cred c, boolean grpc) {
    String e = EXPECT.get(op);
    assertThat(e).as("expectation for operation %s", op).isNotNull();
    if (e.equals("OPEN")) {
      return "allowed";
    }
    if (c.column == null && c != Cred.NONE && c != Cred.WRONG_KEY && c.authStatus == 0) {
      return "allowed";
    }
    if (c == Cred.NONE || c.column == null) {
      int s = c == Cred.NONE ? 401 : c.authStatus;
      return grpc ? (s == 401 ? "UNAUTHENTICATED" : "PERMISSION_DENIED") : String.valueOf(s);
    }
    if (c.column == -1 || e.charAt(c.column) == 'Y') {
      return "allowed";
    }
    return grpc ? "PERMISSION_DENIED" : "403";
  }

  static void ensureCollection() throws Exception {
    var rest = new Rest(node.httpPort, new OpenApiValidator());
    var a = rest.send("GET", "/collections/c1/exists", null);
    // via the full key
    var http = java.net.http.HttpClient.newHttpClient();
    http.send(
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + node.httpPort + "/collections/c1"))
            .header("api-key", KEY)
            .header("content-type", "application/json")
            .PUT(
                java.net.http.HttpRequest.BodyPublishers.ofString(
                    "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}"))
            .build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());
    assertThat(a.status()).isIn(200, 401);
  }

  static String fill(String template) {
    return template
        .replace("{collection_name}", "c1")
        .replace("{shard_id}", "0")
        .replace("{snapshot_name}", "s.snapshot")
        .replace("{id}", "1")
        .replace("{field_name}", "f")
        .replace("{vector_name}", "v")
        .replace("{peer_id}", "2")
        .replace("{key}", "k")
        .replace("{asset}", "console.js");
  }

  @Test
  void restMatrix() throws Exception {
    ensureCollection();
    var http =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .build();
    List<String> mismatches = new ArrayList<>();
    int checked = 0;
    for (Action a : ActionTable.standard().restActions()) {
      for (Cred c : Cred.values()) {
        String secret = SECRETS.get(c);
        var b =
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + node.httpPort + fill(a.path())))
                .timeout(java.time.Duration.ofSeconds(30));
        boolean hasBody =
            a.httpMethod().equals("POST")
                || a.httpMethod().equals("PUT")
                || a.httpMethod().equals("PATCH");
        b.method(
            a.httpMethod(),
            hasBody
                ? java.net.http.HttpRequest.BodyPublishers.ofString("{}")
                : java.net.http.HttpRequest.BodyPublishers.noBody());
        if (hasBody) {
          b.header("Content-Type", "application/json");
        }
        if (secret != null) {
          if (c.name().startsWith("JWT")) {
            b.header("Authorization", "Bearer " + secret);
          } else {
            b.header(c == Cred.ALT_KEY ? "API-KEY" : "Api-Key", secret);
          }
        }
        var r = http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        String got =
            r.statusCode() == 401 || r.statusCode() == 403
                ? String.valueOf(r.statusCode())
                : "allowed";
        String want = expected(a.operation(), c, false);
        checked++;
        if (!got.equals(want)) {
          mismatches.add(
              a.httpMethod()
                  + " "
                  + a.path()
                  + " ["
                  + c
                  + "] expected "
                  + want
                  + " got "
                  + r.statusCode()
                  + " "
                  + r.body());
        }
        if (r.statusCode() == 403 && c.column != null) {
          assertThat(r.body())
              .as("role denials use the JSON envelope")
              .startsWith("{\"status\":{\"error\":\"Forbidden: ");
        }
      }
    }
    assertThat(checked).isGreaterThan(80 * Cred.values().length);
    assertThat(mismatches).isEmpty();
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void grpcMatrix() throws Exception {
    ensureCollection();
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort).usePlaintext().build();
    List<String> mismatches = new ArrayList<>();
    var table = ActionTable.standard();
    try {
      for (ServiceDescriptor s : ActionTableCompletenessTest.publicServices()) {
        for (MethodDescriptor<?, ?> m : s.getMethods()) {
          String name = m.getFullMethodName();
          if (name.startsWith("grpc.health.v1.Health/") && !name.endsWith("/Check")) {
            continue;
          }
          String op = table.forGrpc(name).orElseThrow().operation();
          Message prototype =
              (Message)
                  ((MethodDescriptor.PrototypeMarshaller) m.getRequestMarshaller())
                      .getMessagePrototype();
          Message.Builder req = prototype.toBuilder();
          FieldDescriptor cf = prototype.getDescriptorForType().findFieldByName("collection_name");
          if (cf != null && cf.getJavaType() == FieldDescriptor.JavaType.STRING) {
            req.setField(cf, "c1");
          }
          for (Cred c : Cred.values()) {
            Metadata md = new Metadata();
            String secret = SECRETS.get(c);
            if (secret != null) {
              if (c.name().startsWith("JWT")) {
                md.put(
                    Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
                    "Bearer " + secret);
              } else {
                md.put(Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER), secret);
              }
            }
            var ch =
                ClientInterceptors.intercept(
                    channel, MetadataUtils.newAttachHeadersInterceptor(md));
            String got;
            try {
              var call =
                  ch.newCall(
                      (MethodDescriptor) m,
                      CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
              if (m.getType() == MethodDescriptor.MethodType.UNARY) {
                ClientCalls.blockingUnaryCall(call, req.build());
              } else {
                var it = ClientCalls.blockingServerStreamingCall(call, req.build());
                while (it.hasNext()) {
                  it.next();
                }
              }
              got = "allowed";
            } catch (StatusRuntimeException e) {
              Status.Code code = e.getStatus().getCode();
              got =
                  code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED
                      ? code.name()
                      : "allowed";
            }
            String want = expected(op, c, true);
            if (!got.equals(want)) {
              mismatches.add(name + " [" + c + "] expected " + want + " got " + got);
            }
          }
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void everyOperationHasAnExpectation() {
    for (Action a : ActionTable.standard().actions()) {
      assertThat(EXPECT).as("expectation for %s", a.operation()).containsKey(a.operation());
    }
  }

  @Test
  void noSecretInAnyLogOrAuditFile() throws Exception {
    restMatrix(); // make sure every credential was used, then scan
    List<Path> files;
    try (Stream<Path> s = Files.walk(work)) {
      files = s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".log")).toList();
    }
    assertThat(files).anyMatch(p -> p.getFileName().toString().startsWith("audit."));
    for (Path f : files) {
      String text = Files.readString(f);
      for (var e : SECRETS.entrySet()) {
        assertThat(text)
            .as("%s must not contain the %s credential", f.getFileName(), e.getKey())
            .doesNotContain(e.getValue());
      }
    }
  }
}
