package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.quiver.testing.TestSeed;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.qdrant.client.grpc.CollectionsGrpc;
import io.qdrant.client.grpc.Points;
import io.qdrant.client.grpc.PointsGrpc;
import io.qdrant.client.grpc.QdrantGrpc;
import io.qdrant.client.grpc.SnapshotsGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input suite: every REST operation of the OpenAPI document and every unary gRPC method
 * of the qdrant services, called with broken requests (see {@link OpenApiFuzzer} and {@link
 * ProtoFuzzer}) against one node at {@code -Xmx256m}, bounded in count and time. Judged on: no 5xx
 * (gRPC: no INTERNAL, UNKNOWN, DATA_LOSS), no connection reset, the node alive after, the seeded
 * collection intact. Reads go to the seeded collection with the read-only key, writes to a victim
 * collection with the full key. The seed is printed; replay with {@code -Dtests.seed=N}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputIT {
  static final String KEY = "hostile-input-full-key-0123456789abcdef";
  static final String RO = "hostile-input-read-only";
  static final int POINTS = 300;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  QuiverProcess node;

  @BeforeAll
  void start() throws Exception {
    node =
        new QuiverProcess(
                work.resolve("node"),
                QuiverProcess.env(
                    "JAVA_OPTS",
                    "-Xmx256m -XX:+UseSerialGC",
                    "QDRANT__SERVICE__API_KEY",
                    KEY,
                    "QDRANT__SERVICE__READ_ONLY_API_KEY",
                    RO,
                    "QDRANT__SERVICE__JWT_RBAC",
                    "true",
                    // recovery from URLs would send requests off this machine
                    "QDRANT__SERVICE__ENABLE_SNAPSHOT_URL_RECOVERY",
                    "false"))
            .start();
    seed("fz");
    seed("victim");
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  private void seed(String collection) throws Exception {
    call(KEY, "PUT", "/quotas", "{}"); // a fuzzed quota would refuse the writes below
    call(
        KEY,
        "PUT",
        "/collections/" + collection,
        "{\"vectors\":{\"size\":4,\"distance\":\"Cosine\"}}");
    call(
        KEY,
        "PUT",
        "/collections/" + collection + "/index?wait=true",
        "{\"field_name\":\"group\",\"field_schema\":\"integer\"}");
    StringBuilder b = new StringBuilder("{\"points\":[");
    for (int i = 0; i < POINTS; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[")
          .append(i % 5 + 1)
          .append(",1,2,")
          .append(i)
          .append("],\"payload\":{\"group\":")
          .append(i % 10)
          .append(",\"text\":\"point ")
          .append(i)
          .append("\"}}");
    }
    String ok = call(KEY, "PUT", "/collections/" + collection + "/points?wait=true", b + "]}");
    assertThat(ok).startsWith("HTTP/1.1 200");
  }

  @Test
  void everyRestOperationSurvivesBrokenRequests() throws Exception {
    long seed = TestSeed.of("everyRestOperationSurvivesBrokenRequests");
    OpenApiFuzzer fuzzer = new OpenApiFuzzer(seed);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int sent = 0;
    List<String> failures = new ArrayList<>();
    while (sent < 4000 && System.nanoTime() < deadline && failures.size() < 5) {
      for (OpenApiFuzzer.Operation op : fuzzer.operations()) {
        boolean write = !op.method().equals("GET") && !READS.contains(op.id());
        OpenApiFuzzer.Request r = fuzzer.request(op, write ? "victim" : "fz");
        String answer;
        try {
          answer = send(write ? KEY : RO, r);
        } catch (IOException e) {
          failures.add(
              "seed "
                  + seed
                  + ": "
                  + r.label()
                  + " "
                  + r.target().substring(0, Math.min(200, r.target().length()))
                  + " -> "
                  + e);
          continue;
        }
        String status = answer.length() >= 12 ? answer.substring(9, 12) : answer;
        if (status.startsWith("5") || !answer.startsWith("HTTP/1.1 ")) {
          failures.add(
              "seed "
                  + seed
                  + ": "
                  + r.method()
                  + " "
                  + r.target().substring(0, Math.min(200, r.target().length()))
                  + " ("
                  + r.label()
                  + ") -> "
                  + answer.substring(0, Math.min(400, answer.length())));
        }
        sent++;
        if (r.target().startsWith("/quotas")) {
          call(KEY, "PUT", "/quotas", "{}"); // a quota set by the fuzzer refuses later writes
        }
        if (sent % 150 == 0) {
          call(KEY, "DELETE", "/collections/victim", null);
          seed("victim");
        }
      }
    }
    assertThat(failures).as(serverErrors()).isEmpty();
    assertThat(sent).isGreaterThan(100);
    assertAliveAndIntact();
  }

  @Test
  void everyGrpcMethodSurvivesBrokenMessages() throws Exception {
    long seed = TestSeed.of("everyGrpcMethodSurvivesBrokenMessages");
    ProtoFuzzer fuzzer =
        new ProtoFuzzer(
            seed,
            QdrantGrpc.getServiceDescriptor(),
            CollectionsGrpc.getServiceDescriptor(),
            PointsGrpc.getServiceDescriptor(),
            SnapshotsGrpc.getServiceDescriptor());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort)
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    List<String> failures = new ArrayList<>();
    int sent = 0;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (sent < 3000 && System.nanoTime() < deadline && failures.size() < 5) {
        for (ProtoFuzzer.Method m : fuzzer.methods()) {
          boolean write = !READ_METHODS.contains(m.name().substring(m.name().indexOf('/') + 1));
          Metadata headers = new Metadata();
          headers.put(
              Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER), write ? KEY : RO);
          byte[] request = fuzzer.request(m, write ? "victim" : "fz");
          try {
            ClientCalls.blockingUnaryCall(
                ClientInterceptors.intercept(
                    channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
                m.raw(),
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
                request);
          } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (BAD.contains(code)) {
              failures.add("seed " + seed + ": " + m.name() + " -> " + e.getStatus());
            }
          }
          sent++;
          if (sent % 100 == 0) {
            call(KEY, "DELETE", "/collections/victim", null);
            seed("victim");
          }
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(failures).as(serverErrors()).isEmpty();
    assertThat(sent).isGreaterThan(100);
    assertAliveAndIntact();
  }

  /**
   * Requests within the size caps whose decoded form would not fit in the heap: a REST body of
   * empty objects (three bytes each on the wire, a hundred on the heap), gRPC messages of empty
   * points and of long payload keys, and several large bodies at once. Each is refused (413 / 429,
   * RESOURCE_EXHAUSTED) or answered; none reaches the heap's end.
   */
  @Test
  void requestsThatExpandPastTheHeapAreRefused() throws Exception {
    StringBuilder empties = new StringBuilder(30 << 20).append("{\"points\":[{}");
    while (empties.length() < (30 << 20)) {
      empties.append(",{}");
    }
    String refused =
        call(KEY, "PUT", "/collections/victim/points", empties.append("]}").toString());
    assertThat(refused).startsWith("HTTP/1.1 413").contains("Payload too large");
    assertThat(call(KEY, "GET", "/metrics", null))
        .as("a refused request is counted")
        .contains(
            "rest_responses_total{method=\"PUT\",endpoint=\"/collections/{name}/points\","
                + "status=\"413\"}");

    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort)
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    try {
      ByteArrayOutputStream upsert = new ByteArrayOutputStream(20 << 20);
      CodedOutputStream out = CodedOutputStream.newInstance(upsert);
      out.writeString(1, "victim");
      int points = Points.UpsertPoints.getDescriptor().findFieldByName("points").getNumber();
      for (int i = 0; i < 10_000_000; i++) {
        out.writeTag(points, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(0);
      }
      out.flush();
      assertThat(rawCall(channel, PointsGrpc.getUpsertMethod(), upsert.toByteArray()))
          .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

      ByteArrayOutputStream keys = new ByteArrayOutputStream(62 << 20);
      out = CodedOutputStream.newInstance(keys);
      out.writeString(1, "victim");
      int key = Points.DeletePayloadPoints.getDescriptor().findFieldByName("keys").getNumber();
      String longKey = "k".repeat(100_000);
      for (int i = 0; i < 600; i++) {
        out.writeString(key, longKey);
      }
      out.flush();
      assertThat(rawCall(channel, PointsGrpc.getDeletePayloadMethod(), keys.toByteArray()))
          .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    StringBuilder ids = new StringBuilder(16 << 20).append("{\"ids\":[0");
    for (int i = 1; ids.length() < (16 << 20); i++) {
      ids.append(',').append(i);
    }
    String body = ids.append("]}").toString();
    List<Thread> threads = new ArrayList<>();
    List<String> answers = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 4; t++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 3; i++) {
                      try {
                        String a = call(RO, "POST", "/collections/fz/points", body);
                        answers.add(a.substring(0, Math.min(200, a.length())));
                      } catch (Exception e) {
                        answers.add(e.toString());
                      }
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join(TimeUnit.MINUTES.toMillis(2));
    }
    assertThat(answers)
        .hasSize(12)
        .allSatisfy(a -> assertThat(a).matches("(?s)HTTP/1\\.1 (200|400|413|429) .*"));
    assertAliveAndIntact();
  }

  /** Sends {@code message} as raw bytes on {@code method} with the full key; its status code. */
  private static Status.Code rawCall(
      ManagedChannel channel, MethodDescriptor<?, ?> method, byte[] message) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER), KEY);
    try {
      ClientCalls.blockingUnaryCall(
          ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
          method.toBuilder(ProtoFuzzer.BYTES, ProtoFuzzer.BYTES).build(),
          CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
          message);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /** gRPC answers that mean the server failed, or the connection did. */
  static final Set<Status.Code> BAD =
      Set.of(
          Status.Code.INTERNAL,
          Status.Code.UNKNOWN,
          Status.Code.DATA_LOSS,
          Status.Code.UNAVAILABLE);

  /** REST operations with a body that only read. */
  static final Set<String> READS =
      Set.of(
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
          "scroll_points",
          "count_points",
          "facet",
          "get_points",
          "search_matrix_pairs",
          "search_matrix_offsets");

  /** gRPC methods that only read. */
  static final Set<String> READ_METHODS =
      Set.of(
          "HealthCheck",
          "Get",
          "List",
          "CollectionExists",
          "ListCollectionAliases",
          "ListAliases",
          "CollectionClusterInfo",
          "ListShardKeys",
          "Search",
          "SearchBatch",
          "SearchGroups",
          "Scroll",
          "Recommend",
          "RecommendBatch",
          "RecommendGroups",
          "Discover",
          "DiscoverBatch",
          "Count",
          "Query",
          "QueryBatch",
          "QueryGroups",
          "Facet",
          "SearchMatrixPairs",
          "SearchMatrixOffsets");

  /** The node's log around its unexpected errors, for the failure message. */
  private String serverErrors() throws Exception {
    List<String> lines = node.log().lines().toList();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < lines.size() && out.length() < 20_000; i++) {
      if (lines.get(i).contains(" ERROR ")) {
        lines.subList(i, Math.min(lines.size(), i + 12)).forEach(l -> out.append(l).append('\n'));
      }
    }
    return out.toString();
  }

  private void assertAliveAndIntact() throws Exception {
    String count = call(RO, "POST", "/collections/fz/points/count", "{\"exact\":true}");
    assertThat(count).startsWith("HTTP/1.1 200").contains("\"count\":" + POINTS);
    String info = call(RO, "GET", "/collections/fz", null);
    assertThat(info).startsWith("HTTP/1.1 200");
  }

  private String call(String key, String method, String target, String body) throws Exception {
    return send(
        key,
        new OpenApiFuzzer.Request(
            method,
            target,
            body == null ? List.of() : List.of("content-type: application/json"),
            body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8),
            "setup"));
  }

  /** One request on its own connection; the whole answer, head and body. */
  private String send(String key, OpenApiFuzzer.Request r) throws IOException {
    List<String> headers = new ArrayList<>(r.headers());
    headers.add("connection: close");
    return RawHttp.exchange(
        node.httpPort, RawHttp.request(r.method(), r.target(), key, headers, r.body()), 0);
  }
}
