package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/quiver migrate} between two real nodes, each with its own API key, as an operator runs
 * it: a collection with named dense, sparse and multivectors, payloads, payload indexes, a
 * quantization and an alias is copied whole, verified, found done on a rerun, and copied again over
 * itself when the state is gone (upserts are idempotent); a custom-sharded one keeps its shard
 * keys. Every answer is checked against the OpenAPI document.
 */
class MigrateIT {
  static final String FROM_KEY = "migrate-source-key-0123456789abcdef";
  static final String TO_KEY = "migrate-target-key-0123456789abcdef";
  static final String C = "/collections/{collection_name}";
  static OpenApiValidator openApi;

  @TempDir Path work;
  QuiverProcess source;
  QuiverProcess target;

  @BeforeAll
  static void loadSpec() throws Exception {
    openApi = new OpenApiValidator();
  }

  @AfterEach
  void stop() throws Exception {
    if (source != null) {
      source.close();
    }
    if (target != null) {
      target.close();
    }
  }

  @Test
  void copiesCollectionsWholeAndResumes() throws Exception {
    source =
        new QuiverProcess(work.resolve("source"), Map.of("QDRANT__SERVICE__API_KEY", FROM_KEY))
            .start();
    target =
        new QuiverProcess(work.resolve("target"), Map.of("QDRANT__SERVICE__API_KEY", TO_KEY))
            .start();
    Rest from = new Rest(source.httpPort, openApi, null, FROM_KEY);
    Rest to = new Rest(target.httpPort, openApi, null, TO_KEY);
    fillDocs(from);

    Result first = migrate();
    assertThat(first.exit()).as(first.output()).isZero();
    assertThat(first.output())
        .contains("ok    docs: 1,000 points, counts and sampled points match");

    JsonNode info = to.call("GET", C, "/collections/docs", null).result();
    assertThat(info.path("points_count").asLong()).isEqualTo(1000);
    assertThat(info.at("/config/params/vectors/rows/multivector_config/comparator").asText())
        .isEqualTo("max_sim");
    assertThat(info.at("/config/params/sparse_vectors/text/modifier").asText()).isEqualTo("idf");
    assertThat(info.at("/config/params/vectors/dense/quantization_config/scalar/type").asText())
        .isEqualTo("int8");
    assertThat(info.at("/config/hnsw_config/m").asInt()).isEqualTo(8);
    assertThat(info.at("/payload_schema/city/data_type").asText()).isEqualTo("keyword");
    assertThat(info.at("/payload_schema/n/params/range").asBoolean()).isTrue();
    assertThat(to.call("GET", "/aliases", "/aliases", null).result().toString())
        .contains("\"alias_name\":\"latest\"");
    JsonNode p = to.call("GET", C + "/points/{id}", "/collections/latest/points/7", null).result();
    JsonNode q = from.call("GET", C + "/points/{id}", "/collections/docs/points/7", null).result();
    assertThat(p.get("payload")).isEqualTo(q.get("payload"));
    assertThat(p.at("/vector/text")).isEqualTo(q.at("/vector/text"));
    assertThat(p.at("/vector/rows")).isEqualTo(q.at("/vector/rows"));

    Result again = migrate(); // the state says it is done: nothing is copied
    assertThat(again.exit()).as(again.output()).isZero();
    Files.delete(work.resolve("state.json")); // gone: copied again over what is there
    Result over = migrate();
    assertThat(over.exit()).as(over.output()).isZero();
    assertThat(over.output()).contains("1,000 of 1,000 points");
    assertThat(
            to.call(
                    "POST",
                    C + "/points/count",
                    "/collections/docs/points/count",
                    "{\"exact\":true}")
                .result()
                .path("count")
                .asLong())
        .isEqualTo(1000);

    // custom sharding: the shard keys are created and each point lands under its own
    ok(
        from.call(
            "PUT",
            C,
            "/collections/tenants",
            "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"sharding_method\":\"custom\"}"));
    for (String key : List.of("acme", "globex")) {
      ok(
          from.call(
              "PUT",
              C + "/shards",
              "/collections/tenants/shards",
              "{\"shard_key\":\"" + key + "\"}"));
      StringBuilder t = new StringBuilder("{\"shard_key\":\"" + key + "\",\"points\":[");
      for (int i = 0; i < 150; i++) {
        t.append(i == 0 ? "" : ",")
            .append("{\"id\":")
            .append(key.equals("acme") ? i : 1000 + i)
            .append(",\"vector\":[1,")
            .append(i)
            .append("],\"payload\":{\"tenant\":\"")
            .append(key)
            .append("\"}}");
      }
      ok(from.call("PUT", C + "/points", "/collections/tenants/points?wait=true", t + "]}"));
    }
    Result custom = migrate("--collection", "tenants");
    assertThat(custom.exit()).as(custom.output()).isZero();
    assertThat(custom.output()).contains("ok    tenants: 300 points");
    for (String key : List.of("acme", "globex")) {
      JsonNode count =
          to.call(
                  "POST",
                  C + "/points/count",
                  "/collections/tenants/points/count",
                  "{\"exact\":true,\"shard_key\":\"" + key + "\"}")
              .result();
      assertThat(count.path("count").asLong()).as(key).isEqualTo(150);
    }
  }

  /**
   * A source speaking as Qdrant 1.19 does (the response shapes of its API reference: a collection
   * info with every output field, `null` for what is unset, payload index infos with `params`,
   * scroll pages with named dense and sparse vectors), stubbed on loopback, into a real node.
   */
  @Test
  void readsQdrantsOwnResponses() throws Exception {
    target =
        new QuiverProcess(work.resolve("target"), Map.of("QDRANT__SERVICE__API_KEY", TO_KEY))
            .start();
    Map<String, String> answers = new HashMap<>();
    answers.put("GET /collections", "{\"collections\":[{\"name\":\"shop\"}]}");
    answers.put(
        "GET /collections/shop",
        "{\"status\":\"green\",\"optimizer_status\":\"ok\",\"indexed_vectors_count\":0,"
            + "\"points_count\":3,\"segments_count\":2,\"config\":{\"params\":{\"vectors\":"
            + "{\"image\":{\"size\":3,\"distance\":\"Dot\",\"on_disk\":false}},"
            + "\"shard_number\":1,\"replication_factor\":1,\"write_consistency_factor\":1,"
            + "\"on_disk_payload\":true,\"sparse_vectors\":{\"keywords\":{\"modifier\":\"idf\"}}},"
            + "\"hnsw_config\":{\"m\":16,\"ef_construct\":100,\"full_scan_threshold\":10000,"
            + "\"max_indexing_threads\":0,\"on_disk\":false},\"optimizer_config\":"
            + "{\"deleted_threshold\":0.2,\"vacuum_min_vector_number\":1000,"
            + "\"default_segment_number\":0,\"max_segment_size\":null,\"memmap_threshold\":null,"
            + "\"indexing_threshold\":10000,\"flush_interval_sec\":5,"
            + "\"max_optimization_threads\":null,\"prevent_unoptimized\":null},\"wal_config\":{\"wal_capacity_mb\":32,"
            + "\"wal_segments_ahead\":0,\"wal_retain_closed\":1},\"quantization_config\":null,"
            + "\"strict_mode_config\":"
            + "{\"enabled\":false}},\"payload_schema\":{\"brand\":{\"data_type\":\"keyword\","
            + "\"points\":3},\"price\":{\"data_type\":\"float\",\"params\":{\"type\":\"float\","
            + "\"is_principal\":true},\"points\":3}}}");
    String p1 =
        "{\"id\":1,\"payload\":{\"brand\":\"a\",\"price\":1.5},\"vector\":{\"image\":[1,0,0],"
            + "\"keywords\":{\"indices\":[3,7],\"values\":[0.5,1.0]}}}";
    String p2 =
        "{\"id\":\"5c56c793-69f3-4fbf-87e6-c4bf54c28c26\",\"payload\":{\"brand\":\"b\","
            + "\"price\":20},\"vector\":{\"image\":[0,1,0]}}";
    String p3 =
        "{\"id\":9,\"payload\":{\"brand\":\"a\",\"price\":3},\"vector\":{\"image\":[0,0,1],"
            + "\"keywords\":{\"indices\":[1],\"values\":[2.0]}}}";
    answers.put(
        "POST /collections/shop/points/scroll",
        "{\"points\":[" + p1 + "," + p2 + "],\"next_page_offset\":9}");
    answers.put(
        "POST /collections/shop/points/scroll 9",
        "{\"points\":[" + p3 + "],\"next_page_offset\":null}");
    answers.put("POST /collections/shop/points/count", "{\"count\":3}");
    answers.put("POST /collections/shop/points", "[" + p1 + "," + p3 + "]");
    answers.put(
        "GET /aliases", "{\"aliases\":[{\"alias_name\":\"store\",\"collection_name\":\"shop\"}]}");
    HttpServer qdrant = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    qdrant.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String key = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
          if (body.contains("\"offset\":9")) {
            key += " 9";
          }
          String result = answers.get(key);
          byte[] out =
              (result == null
                      ? "{\"status\":{\"error\":\"Not found\"},\"time\":0.0}"
                      : "{\"result\":" + result + ",\"status\":\"ok\",\"time\":0.0001}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(result == null ? 404 : 200, out.length);
          exchange.getResponseBody().write(out);
          exchange.close();
        });
    qdrant.start();
    try {
      Result r = migrateFrom("http://127.0.0.1:" + qdrant.getAddress().getPort());
      assertThat(r.exit()).as(r.output()).isZero();
      assertThat(r.output()).contains("ok    shop: 3 points");
    } finally {
      qdrant.stop(0);
    }
    Rest to = new Rest(target.httpPort, openApi, null, TO_KEY);
    JsonNode info = to.call("GET", C, "/collections/shop", null).result();
    assertThat(info.at("/config/params/sparse_vectors/keywords/modifier").asText())
        .isEqualTo("idf");
    assertThat(info.at("/payload_schema/price/params/is_principal").asBoolean()).isTrue();
    assertThat(info.at("/config/wal_config/wal_retain_closed").asInt()).isEqualTo(1);
    JsonNode uuid =
        to.call(
                "GET",
                C + "/points/{id}",
                "/collections/store/points/5c56c793-69f3-4fbf-87e6-c4bf54c28c26",
                null)
            .result();
    assertThat(uuid.at("/payload/price").asInt()).isEqualTo(20);
  }

  /**
   * The source read over gRPC with TLS and a read-only JWT, as a Qdrant source is reached on port
   * 6334: the collection arrives with the same configuration and payload schema as the source
   * reports over REST, and the same points; a plaintext channel to the TLS port and a key the
   * source does not know stop the run with the call and the status named.
   */
  @Test
  void readsTheSourceOverGrpcWithTlsAndAReadOnlyJwt() throws Exception {
    Path dir = work.resolve("source");
    TestPki.nodeTls(dir);
    Path ca = dir.resolve("tls/cacert.pem");
    source =
        new QuiverProcess(
                dir,
                QuiverProcess.env(
                    "QDRANT__SERVICE__API_KEY", FROM_KEY,
                    "QDRANT__SERVICE__ENABLE_TLS", "true",
                    "QDRANT__SERVICE__JWT_RBAC", "true"))
            .tls(ca)
            .start();
    target =
        new QuiverProcess(work.resolve("target"), Map.of("QDRANT__SERVICE__API_KEY", TO_KEY))
            .start();
    Rest from = new Rest(source.httpPort, openApi, TlsIT.context(ca, null, null), FROM_KEY);
    Rest to = new Rest(target.httpPort, openApi, null, TO_KEY);
    fillDocs(from);
    String readOnly = AccessMatrixIT.jwt(FROM_KEY, "{\"access\":\"r\"}");
    String grpcs = "grpcs://localhost:" + source.grpcPort;
    String dst = "http://127.0.0.1:" + target.httpPort;

    Result plaintext =
        migrateBetween("grpc://localhost:" + source.grpcPort, dst, "--from-api-key", readOnly);
    assertThat(plaintext.exit()).as(plaintext.output()).isEqualTo(2);
    assertThat(plaintext.output()).contains("gRPC List collections at localhost:");
    Result stranger =
        migrateBetween(
            grpcs, dst, "--ca-cert", ca.toString(), "--from-api-key", "not-the-source-key");
    assertThat(stranger.exit()).as(stranger.output()).isEqualTo(2);
    assertThat(stranger.output()).contains("UNAUTHENTICATED");

    Result copied =
        migrateBetween(grpcs, dst, "--ca-cert", ca.toString(), "--from-api-key", readOnly);
    assertThat(copied.exit()).as(copied.output()).isZero();
    assertThat(copied.output())
        .contains("ok    docs: 1,000 points, counts and sampled points match");
    JsonNode there = from.call("GET", C, "/collections/docs", null).result();
    JsonNode here = to.call("GET", C, "/collections/docs", null).result();
    assertThat(here.get("config")).isEqualTo(there.get("config"));
    assertThat(here.get("payload_schema")).isEqualTo(there.get("payload_schema"));
    assertThat(to.call("GET", "/aliases", "/aliases", null).result().toString())
        .contains("\"alias_name\":\"latest\"");
    String all = "{\"limit\":1000,\"with_payload\":true,\"with_vector\":[\"rows\",\"text\"]}";
    Rest.Answer a = from.call("POST", C + "/points/scroll", "/collections/docs/points/scroll", all);
    Rest.Answer b = to.call("POST", C + "/points/scroll", "/collections/docs/points/scroll", all);
    assertThat(b.result().get("points")).isEqualTo(a.result().get("points"));
  }

  /**
   * {@code docs}: named dense (Cosine, scalar quantization), multi (max_sim) and sparse (IDF)
   * vectors, 1,000 points with nested payloads, a keyword and an integer index, alias {@code
   * latest}.
   */
  static void fillDocs(Rest from) throws Exception {
    ok(
        from.call(
            "PUT",
            C,
            "/collections/docs",
            "{\"vectors\":{\"dense\":{\"size\":4,\"distance\":\"Cosine\",\"quantization_config\":"
                + "{\"scalar\":{\"type\":\"int8\",\"always_ram\":true}}},"
                + "\"rows\":{\"size\":2,\"distance\":\"Dot\",\"multivector_config\":{\"comparator\":"
                + "\"max_sim\"}}},\"sparse_vectors\":{\"text\":{\"modifier\":\"idf\"}},"
                + "\"hnsw_config\":{\"m\":8}}"));
    ok(
        from.call(
            "PUT",
            C + "/index",
            "/collections/docs/index?wait=true",
            "{\"field_name\":\"city\",\"field_schema\":\"keyword\"}"));
    ok(
        from.call(
            "PUT",
            C + "/index",
            "/collections/docs/index?wait=true",
            "{\"field_name\":\"n\",\"field_schema\":{\"type\":\"integer\",\"range\":true,"
                + "\"lookup\":false}}"));
    StringBuilder b = new StringBuilder("{\"points\":[");
    for (int i = 0; i < 1000; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":{\"dense\":[")
          .append(i % 7 + 1)
          .append(",1,")
          .append(i % 3)
          .append(",0.5],\"rows\":[[1,")
          .append(i)
          .append("],[0,1]],\"text\":{\"indices\":[")
          .append(i % 50)
          .append(",")
          .append(100 + i % 9)
          .append("],\"values\":[0.5,1.5]}},\"payload\":{\"city\":\"c")
          .append(i % 10)
          .append("\",\"n\":")
          .append(i)
          .append(",\"tags\":[\"a\",{\"deep\":")
          .append(i)
          .append("}]}}");
    }
    ok(from.call("PUT", C + "/points", "/collections/docs/points?wait=true", b + "]}"));
    ok(
        from.call(
            "POST",
            "/collections/aliases",
            "/collections/aliases",
            "{\"actions\":[{\"create_alias\":{\"collection_name\":\"docs\",\"alias_name\":\"latest\"}}]}"));
  }

  /** A set-up call that must succeed. */
  private static Rest.Answer ok(Rest.Answer a) {
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    return a;
  }

  record Result(int exit, String output) {}

  /** A target that requires client certificates (mutual TLS) is reached with the operator's. */
  @Test
  void presentsAClientCertificateWhereTheTargetRequiresOne() throws Exception {
    source =
        new QuiverProcess(work.resolve("source"), Map.of("QDRANT__SERVICE__API_KEY", FROM_KEY))
            .start();
    Path dir = work.resolve("target");
    TestPki pki = TestPki.nodeTls(dir);
    Path[] client = pki.issue("cacert", "operator", "migrate", "ec");
    Path ca = dir.resolve("tls/cacert.pem");
    target =
        new QuiverProcess(
                dir,
                QuiverProcess.env(
                    "QDRANT__SERVICE__API_KEY",
                    TO_KEY,
                    "QDRANT__SERVICE__ENABLE_TLS",
                    "true",
                    "QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE",
                    "true"))
            .tls(ca, client[0], client[1])
            .start();
    Rest from = new Rest(source.httpPort, openApi, null, FROM_KEY);
    ok(
        from.call(
            "PUT", C, "/collections/small", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}"));
    ok(
        from.call(
            "PUT",
            C + "/points",
            "/collections/small/points?wait=true",
            "{\"points\":[{\"id\":1,\"vector\":[1,0]},{\"id\":2,\"vector\":[0,1]}]}"));
    String src = "http://127.0.0.1:" + source.httpPort;
    String dst = "https://localhost:" + target.httpPort;

    Result refused = migrateBetween(src, dst, "--ca-cert", ca.toString());
    assertThat(refused.exit()).as(refused.output()).isEqualTo(2);

    Result halfOfAPair = migrateBetween(src, dst, "--client-cert", client[0].toString());
    assertThat(halfOfAPair.exit()).isEqualTo(2);
    assertThat(halfOfAPair.output()).contains("--client-cert and --client-key go together");

    Result copied =
        migrateBetween(
            src,
            dst,
            "--ca-cert",
            ca.toString(),
            "--client-cert",
            client[0].toString(),
            "--client-key",
            client[1].toString());
    assertThat(copied.exit()).as(copied.output()).isZero();
    assertThat(copied.output()).contains("ok    small: 2 points");
  }

  private Result migrate(String... extra) throws Exception {
    return migrateFrom("http://127.0.0.1:" + source.httpPort, extra);
  }

  private Result migrateFrom(String from, String... extra) throws Exception {
    return migrateBetween(from, "http://127.0.0.1:" + target.httpPort, extra);
  }

  private Result migrateBetween(String from, String to, String... extra) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                QuiverProcess.home().resolve("bin/quiver").toString(),
                "migrate",
                "--from",
                from,
                "--to",
                to,
                "--batch",
                "128",
                "--state",
                work.resolve("state.json").toString()));
    cmd.addAll(List.of(extra));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    // keys from the environment, as an operator keeps them out of the shell history
    pb.environment().put("QUIVER_FROM_API_KEY", FROM_KEY);
    pb.environment().put("QUIVER_TO_API_KEY", TO_KEY);
    pb.redirectErrorStream(true);
    Process proc = pb.start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(proc.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(proc.exitValue(), out);
  }
}
