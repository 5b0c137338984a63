package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.testing.Linearizability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Three packaged nodes on 127.0.0.1, started as the seed's cluster section shows: the first with
 * {@code --uri https://...:p2p}, the others with {@code --bootstrap}, all with {@code
 * QDRANT__CLUSTER__ENABLED}, P2P mutual TLS, HTTPS and an API key from {@code QDRANT__*} variables.
 * The tests run in order against the same cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static final String KEY = "cluster-it-key";
  private static final int NODES = 3;

  // kept when a test fails: the nodes' logs are in it
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  static OpenApiValidator openApi;
  static TestPki pki;
  static Path ca;
  static Path[] nodeCert;
  static SSLContext clientTls;
  static final List<QuiverProcess> nodes = new ArrayList<>();
  static final List<Integer> p2pPorts = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    openApi = new OpenApiValidator();
    pki = new TestPki(dir.resolve("pki"));
    ca = pki.ca("cluster-ca");
    nodeCert = pki.issue("cluster-ca", "node", "quiver-node", "rsa");
    clientTls = TlsIT.context(ca, null, null);
    for (int i = 0; i < NODES; i++) {
      int p2p = QuiverProcess.freePort();
      p2pPorts.add(p2p);
      var node =
          new QuiverProcess(dir.resolve("node" + i), tlsEnv(p2p, ca, nodeCert))
              .tls(ca)
              .args(
                  i == 0
                      ? new String[] {"--uri", uri(0)}
                      : new String[] {"--bootstrap", uri(0), "--uri", "https://127.0.0.1:" + p2p});
      nodes.add(node);
      node.start();
    }
    for (int i = 0; i < NODES; i++) {
      peerIdOf(i); // remembered for the tests that ask while the node is down
    }
  }

  static String uri(int node) {
    return "https://127.0.0.1:" + p2pPorts.get(node);
  }

  static Map<String, String> tlsEnv(int p2p, Path caFile, Path[] cert) {
    return QuiverProcess.env(
        "QDRANT__CLUSTER__ENABLED",
        "true",
        "QDRANT__CLUSTER__P2P__PORT",
        String.valueOf(p2p),
        "QDRANT__CLUSTER__P2P__ENABLE_TLS",
        "true",
        "QDRANT__SERVICE__ENABLE_TLS",
        "true",
        "QDRANT__TLS__CERT",
        cert[0].toString(),
        "QDRANT__TLS__KEY",
        cert[1].toString(),
        "QDRANT__TLS__CA_CERT",
        caFile.toString(),
        "QDRANT__SERVICE__API_KEY",
        KEY,
        "QDRANT__AUDIT__ENABLED",
        "true",
        // small, so that shard and metadata logs are compacted while a node is down and it must
        // catch up from a snapshot (segments are what compaction removes: small ones too)
        "QDRANT__CLUSTER__CONSENSUS__COMPACT_SHARD_LOG_ENTRIES",
        "20",
        "QDRANT__CLUSTER__CONSENSUS__COMPACT_WAL_ENTRIES",
        "10",
        "QDRANT__CLUSTER__CONSENSUS__LOG_SEGMENT_KB",
        "4");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    keepLogs(nodes, "cluster-it-logs");
  }

  /** Closes {@code nodes} and copies their logs to {@code target/<keep>} for a later look. */
  static void keepLogs(List<QuiverProcess> nodes, String keep) throws Exception {
    Path to = Path.of("target", keep);
    Files.createDirectories(to);
    for (int i = 0; i < nodes.size(); i++) {
      nodes.get(i).close();
      try (var logs = Files.list(nodes.get(i).workDir)) {
        for (Path log : logs.filter(f -> f.toString().endsWith(".log")).toList()) {
          Files.copy(
              log,
              to.resolve("node" + i + "-" + log.getFileName()),
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static Rest rest(int node) {
    return new Rest(nodes.get(node).httpPort, openApi, clientTls, KEY);
  }

  static JsonNode cluster(int node) throws Exception {
    var a = rest(node).call("GET", "/cluster", "/cluster", null);
    assertThat(a.status()).isEqualTo(200);
    return a.result();
  }

  static void eventually(int seconds, Eventually.Check check) throws Exception {
    Eventually.within(seconds, check);
  }

  /** Waits until every node serves collection {@code name}. */
  static void awaitOnEveryNode(String name) throws Exception {
    for (int i = 0; i < NODES; i++) {
      int node = i;
      eventually(
          10,
          () ->
              assertThat(rest(node).send("GET", "/collections/" + name, null).status())
                  .isEqualTo(200));
    }
  }

  @Test
  @Order(1)
  void everyNodeSeesTheSameThreeVotingPeers() throws Exception {
    eventually(
        30,
        () -> {
          Set<String> leaders = new TreeSet<>();
          for (int i = 0; i < NODES; i++) {
            JsonNode c = cluster(i);
            assertThat(c.path("status").asText()).isEqualTo("enabled");
            assertThat(c.path("peers").size()).as("peers seen by node %d", i).isEqualTo(NODES);
            assertThat(c.path("raft_info").path("is_voter").asBoolean()).isTrue();
            leaders.add(c.path("raft_info").path("leader").asText());
            c.path("peers").forEach(p -> assertThat(p.path("uri").asText()).startsWith("https://"));
          }
          assertThat(leaders).hasSize(1);
        });
    // Raft catches peers up by itself: asking a node to recover has nothing left to do
    var recover = rest(1).call("POST", "/cluster/recover", "/cluster/recover", null);
    assertThat(recover.status()).isEqualTo(200);
    assertThat(recover.result().asBoolean()).isTrue();
  }

  @Test
  @Order(2)
  void apiKeysAreEnforcedOnEveryNode() throws Exception {
    for (int i = 0; i < NODES; i++) {
      assertThat(rest(i).anonymous().send("GET", "/collections", null).status()).isEqualTo(401);
      assertThat(rest(i).send("GET", "/collections", null).status()).isEqualTo(200);
    }
  }

  @Test
  @Order(3)
  void aCollectionCreatedOnOneNodeIsUsableFromAll() throws Exception {
    var created =
        rest(1)
            .call(
                "PUT",
                "/collections/{collection_name}",
                "/collections/shared",
                "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},\"shard_number\":3,"
                    + "\"replication_factor\":3}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    awaitOnEveryNode("shared");
    // writes through every node
    for (int i = 0; i < NODES; i++) {
      var up =
          rest(i)
              .call(
                  "PUT",
                  "/collections/{collection_name}/points",
                  "/collections/shared/points?wait=true",
                  "{\"points\":[{\"id\":"
                      + (100 + i)
                      + ",\"vector\":[1,"
                      + i
                      + ",0,0],\"payload\":{\"node\":"
                      + i
                      + "}}]}");
      assertThat(up.status()).as(up.body()).isEqualTo(200);
    }
    String first = null;
    for (int i = 0; i < NODES; i++) {
      var found =
          rest(i)
              .callListOf(
                  "POST",
                  "/collections/shared/points/search",
                  "{\"vector\":[1,1,0,0],\"limit\":3,\"with_payload\":true}",
                  "ScoredPoint");
      assertThat(found.status()).isEqualTo(200);
      assertThat(found.result()).hasSize(3);
      String ids = found.result().findValuesAsText("id").toString();
      if (first == null) {
        first = ids;
      }
      assertThat(ids).as("search on node %d", i).isEqualTo(first);
      var info =
          rest(i)
              .call(
                  "GET",
                  "/collections/{collection_name}/cluster",
                  "/collections/shared/cluster",
                  null);
      assertThat(info.result().path("shard_count").asInt()).isEqualTo(3);
      assertThat(info.result().path("local_shards").size())
          .as("rf=3: every shard here")
          .isEqualTo(3);
    }
    assertThat(first).isEqualTo("[102, 101, 100]");

    // read-your-write through another node with a linearizable read
    for (int k = 0; k < 5; k++) {
      String point = "{\"points\":[{\"id\":" + (200 + k) + ",\"vector\":[0,1,0,0]}]}";
      assertThat(
              rest(k % NODES).send("PUT", "/collections/shared/points?wait=true", point).status())
          .isEqualTo(200);
      var counted =
          rest((k + 1) % NODES)
              .call(
                  "POST",
                  "/collections/{collection_name}/points/count",
                  "/collections/shared/points/count?consistency=majority",
                  "{\"exact\":true}");
      assertThat(counted.result().path("count").asInt()).isEqualTo(NODES + k + 1);
    }
    var bad = rest(0).send("POST", "/collections/shared/points/count?consistency=most", "{}");
    assertThat(bad.status()).isEqualTo(400);

    // quotas are one configuration for the cluster (through the metadata log); each peer reports
    // its own usage, and writes are refused while the storage disk is over the limit
    assertThat(rest(0).call("PUT", "/quotas", "/quotas?wait=true", diskQuotaBelowUsage(2)).status())
        .isEqualTo(200);
    eventually(
        10,
        () -> {
          var q = rest(2).call("GET", "/quotas", "/quotas", null).result();
          assertThat(q.at("/config/enabled").asBoolean()).isTrue();
          assertThat(q.path("peers").size()).as(q.toString()).isEqualTo(NODES);
          q.path("peers").forEach(peer -> assertThat(peer.path("exceeded").asBoolean()).isTrue());
        });
    eventually(
        10,
        () -> {
          var refused =
              rest(1)
                  .call(
                      "PUT",
                      "/collections/{collection_name}/points",
                      "/collections/shared/points?wait=true",
                      "{\"points\":[{\"id\":300,\"vector\":[1,1,1,1]}]}");
          assertThat(refused.status()).as(refused.body()).isEqualTo(507);
        });
    assertThat(rest(2).call("PUT", "/quotas", "/quotas", "{\"enabled\":false}").status())
        .isEqualTo(200);
    eventually(
        10,
        () ->
            assertThat(
                    rest(0)
                        .send(
                            "PUT",
                            "/collections/shared/points?wait=true",
                            "{\"points\":[{\"id\":300,\"vector\":[1,1,1,1]}]}")
                        .status())
                .isEqualTo(200));
    rest(0).send("POST", "/collections/shared/points/delete?wait=true", "{\"points\":[300]}");
  }

  /**
   * An upsert larger than one Raft log entry takes (Ratis refuses entries above 4 MiB; this body is
   * 9 MB of JSON, about 6 MB of vectors on one shard) is split into several entries and stored on
   * every replica; a single point larger than an entry is refused with 400.
   */
  @Test
  @Order(3)
  void anUpsertLargerThanALogEntryIsStoredOnEveryNode() throws Exception {
    var created =
        rest(2)
            .send(
                "PUT",
                "/collections/large",
                "{\"vectors\":{\"size\":1536,\"distance\":\"Dot\"},\"shard_number\":1,"
                    + "\"replication_factor\":3}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    awaitOnEveryNode("large");
    int points = 1_000;
    StringBuilder body = new StringBuilder(10_000_000).append("{\"points\":[");
    for (int i = 0; i < points; i++) {
      body.append(i == 0 ? "" : ",").append("{\"id\":").append(i + 1).append(",\"vector\":[");
      for (int d = 0; d < 1536; d++) {
        body.append(d == 0 ? "" : ",").append(d == i % 1536 ? "1.5" : "0.25");
      }
      body.append("]}");
    }
    var upsert =
        rest(2).send("PUT", "/collections/large/points?wait=true", body.append("]}").toString());
    assertThat(upsert.status()).as(upsert.body()).isEqualTo(200);
    for (int i = 0; i < NODES; i++) {
      int node = i;
      eventually(
          30,
          () ->
              assertThat(
                      rest(node)
                          .send("POST", "/collections/large/points/count", "{\"exact\":true}")
                          .result()
                          .path("count")
                          .asLong())
                  .as("points counted through node %d", node)
                  .isEqualTo(points));
    }
    var tooLarge =
        rest(2)
            .send(
                "PUT",
                "/collections/large/points?wait=true",
                "{\"points\":[{\"id\":1,\"vector\":"
                    + Collections.nCopies(1536, "0.5")
                    + ",\"payload\":{\"text\":\""
                    + "x".repeat(5_000_000)
                    + "\"}}]}");
    assertThat(tooLarge.status()).as(tooLarge.body()).isEqualTo(400);
    assertThat(tooLarge.body()).contains("exceeds the largest entry of a shard's log");
    assertThat(rest(0).send("DELETE", "/collections/large", null).status()).isEqualTo(200);
  }

  /**
   * Cluster metadata keys: a JSON value set through one node is read through every node, listed,
   * replaced and removed; keys, values and their number are bounded before anything is proposed.
   */
  @Test
  @Order(3)
  void clusterMetadataKeysAreSharedByEveryNode() throws Exception {
    String value = "{\"owner\":\"search-team\",\"replicas\":[1,2,3],\"active\":true}";
    var put = rest(0).send("PUT", "/cluster/metadata/keys/deploy?wait=true", value);
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    assertThat(put.result().asBoolean()).isTrue();
    for (int i = 0; i < NODES; i++) {
      int node = i;
      eventually(
          10,
          () -> {
            var got = rest(node).send("GET", "/cluster/metadata/keys/deploy", null);
            assertThat(got.status()).isEqualTo(200);
            assertThat(got.result()).isEqualTo(new ObjectMapper().readTree(value));
            var keys = rest(node).send("GET", "/cluster/metadata/keys", null);
            assertThat(keys.result().toString()).isEqualTo("[\"deploy\"]");
          });
    }
    assertThat(rest(1).send("PUT", "/cluster/metadata/keys/deploy", "42").status()).isEqualTo(200);
    assertThat(rest(1).send("GET", "/cluster/metadata/keys/deploy", null).result().asInt())
        .isEqualTo(42);
    var missing = rest(2).send("GET", "/cluster/metadata/keys/none", null);
    assertThat(missing.status()).isEqualTo(200);
    assertThat(missing.result().isNull()).isTrue();
    // bounded: the key's length, the value's size, a body that holds no value
    var longKey = rest(0).send("PUT", "/cluster/metadata/keys/" + "k".repeat(300), "1");
    assertThat(longKey.status()).as(longKey.body()).isEqualTo(400);
    var bigValue =
        rest(0).send("PUT", "/cluster/metadata/keys/big", "\"" + "x".repeat(70_000) + "\"");
    assertThat(bigValue.status()).as(bigValue.body()).isEqualTo(400);
    assertThat(bigValue.body()).contains("65536");
    assertThat(rest(0).send("PUT", "/cluster/metadata/keys/empty", "").status()).isEqualTo(400);
    // removed through another node
    assertThat(rest(2).send("DELETE", "/cluster/metadata/keys/deploy?wait=true", null).status())
        .isEqualTo(200);
    for (int i = 0; i < NODES; i++) {
      int node = i;
      eventually(
          10,
          () ->
              assertThat(rest(node).send("GET", "/cluster/metadata/keys", null).result().size())
                  .isZero());
    }
  }

  /**
   * A collection snapshot recovered in a cluster, as Qdrant does it: the shards the node holds are
   * recovered; where a shard has replicas on other peers, {@code replica} (the default) keeps their
   * data, {@code snapshot} makes the snapshot's points every replica's (through the shard's log),
   * {@code no_sync} is refused; a missing collection is created from the snapshot with its payload
   * indexes; an incompatible one is refused; a shard snapshot recovers its one shard alike.
   */
  @Test
  @Order(3)
  void aCollectionSnapshotIsRecoveredThroughTheShardsLogs() throws Exception {
    var created =
        rest(0)
            .send(
                "PUT",
                "/collections/backup",
                "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"shard_number\":2,"
                    + "\"replication_factor\":3}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 20; i++) {
      points
          .append(i > 1 ? "," : "")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[1,")
          .append(i)
          .append("],\"payload\":{\"n\":")
          .append(i)
          .append(",\"city\":\"")
          .append(i % 2 == 0 ? "berlin" : "paris")
          .append("\"}}");
    }
    points.append("]}");
    assertThat(rest(1).send("PUT", "/collections/backup/points?wait=true", points + "").status())
        .isEqualTo(200);
    assertThat(
            rest(2)
                .send(
                    "PUT",
                    "/collections/backup/index?wait=true",
                    "{\"field_name\":\"city\",\"field_schema\":\"keyword\"}")
                .status())
        .isEqualTo(200);
    eventually(10, () -> assertCountOnEveryNode("backup", 20));
    var snapshot = rest(0).send("POST", "/collections/backup/snapshots", null);
    assertThat(snapshot.status()).as(snapshot.body()).isEqualTo(200);
    String name = snapshot.result().path("name").asText();
    Path file = nodes.get(0).workDir.resolve("snapshots/backup/" + name);
    String body = "{\"location\":\"" + file.toUri() + "\"";

    // changed after the snapshot
    assertThat(
            rest(0)
                .send(
                    "POST",
                    "/collections/backup/points/delete?wait=true",
                    "{\"points\":[1,2,3,4,5]}")
                .status())
        .isEqualTo(200);
    assertThat(
            rest(0)
                .send(
                    "PUT",
                    "/collections/backup/points?wait=true",
                    "{\"points\":[{\"id\":99,\"vector\":[1,1]}]}")
                .status())
        .isEqualTo(200);
    eventually(10, () -> assertCountOnEveryNode("backup", 16));

    // the other replicas' data stands by default
    var kept = rest(0).send("PUT", "/collections/backup/snapshots/recover", body + "}");
    assertThat(kept.status()).as(kept.body()).isEqualTo(200);
    eventually(10, () -> assertCountOnEveryNode("backup", 16));
    var noSync =
        rest(0)
            .send(
                "PUT",
                "/collections/backup/snapshots/recover",
                body + ",\"priority\":\"no_sync\"}");
    assertThat(noSync.status()).as(noSync.body()).isEqualTo(400);
    assertThat(noSync.error()).contains("no_sync");

    // the snapshot's points become every replica's
    var restored =
        rest(0)
            .call(
                "PUT",
                "/collections/{collection_name}/snapshots/recover",
                "/collections/backup/snapshots/recover",
                body + ",\"priority\":\"snapshot\"}");
    assertThat(restored.status()).as(restored.body()).isEqualTo(200);
    eventually(
        10,
        () -> {
          assertCountOnEveryNode("backup", 20);
          for (int i = 0; i < NODES; i++) {
            assertThat(rest(i).send("GET", "/collections/backup/points/99", null).status())
                .as("point 99 through node %d", i)
                .isEqualTo(404);
            assertThat(
                    rest(i)
                        .send("GET", "/collections/backup/points/3", null)
                        .result()
                        .path("payload")
                        .path("n")
                        .asInt())
                .isEqualTo(3);
          }
        });
    // the rewrite was recorded while it ran (its replicas ManualRecovery, writes to it refused)
    // and no longer is: every replica reported Active again, writes taken
    eventually(
        10,
        () -> {
          for (int i = 0; i < NODES; i++) {
            JsonNode c = rest(i).send("GET", "/collections/backup/cluster", null).result();
            List<String> states = new ArrayList<>();
            c.path("local_shards").forEach(x -> states.add(x.path("state").asText()));
            c.path("remote_shards").forEach(x -> states.add(x.path("state").asText()));
            assertThat(states).as("node %d", i).containsOnly("Active");
          }
        });
    assertThat(
            rest(2)
                .send(
                    "PUT",
                    "/collections/backup/points?wait=true",
                    "{\"points\":[{\"id\":98,\"vector\":[1,1]}]}")
                .status())
        .isEqualTo(200);
    assertThat(
            rest(2)
                .send("POST", "/collections/backup/points/delete?wait=true", "{\"points\":[98]}")
                .status())
        .isEqualTo(200);

    // a missing collection is created from the snapshot, through another node
    Path copy = nodes.get(1).workDir.resolve("snapshots/copied/" + name);
    Files.createDirectories(copy.getParent());
    Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
    var fresh =
        rest(1)
            .send(
                "PUT",
                "/collections/copied/snapshots/recover",
                "{\"location\":\"" + copy.toUri() + "\"}");
    assertThat(fresh.status()).as(fresh.body()).isEqualTo(200);
    eventually(10, () -> assertCountOnEveryNode("copied", 20));
    JsonNode info = rest(2).send("GET", "/collections/copied", null).result();
    assertThat(info.at("/config/params/shard_number").asInt()).isEqualTo(2);
    assertThat(info.at("/payload_schema/city/data_type").asText()).isEqualTo("keyword");

    // a shard snapshot: the one shard, by the same rules
    long shardPoints = -1;
    for (JsonNode local :
        rest(0).send("GET", "/collections/backup/cluster", null).result().path("local_shards")) {
      if (local.path("shard_id").asInt() == 0) {
        shardPoints = local.path("points_count").asLong();
      }
    }
    assertThat(shardPoints).as("shard 0's points on node 0").isPositive();
    var shardSnapshot = rest(0).send("POST", "/collections/backup/shards/0/snapshots", null);
    assertThat(shardSnapshot.status()).as(shardSnapshot.body()).isEqualTo(200);
    Path shardFile =
        nodes
            .get(0)
            .workDir
            .resolve("snapshots/backup/shards/0/" + shardSnapshot.result().path("name").asText());
    assertThat(shardFile).exists();
    StringBuilder all = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 20; i++) {
      all.append(i > 1 ? "," : "").append(i);
    }
    assertThat(
            rest(0)
                .send("POST", "/collections/backup/points/delete?wait=true", all + "]}")
                .status())
        .isEqualTo(200);
    eventually(10, () -> assertCountOnEveryNode("backup", 0));
    String shardBody = "{\"location\":\"" + shardFile.toUri() + "\"";
    var shardKept =
        rest(0).send("PUT", "/collections/backup/shards/0/snapshots/recover", shardBody + "}");
    assertThat(shardKept.status()).as(shardKept.body()).isEqualTo(200);
    eventually(10, () -> assertCountOnEveryNode("backup", 0));
    var shardRestored =
        rest(0)
            .send(
                "PUT",
                "/collections/backup/shards/0/snapshots/recover",
                shardBody + ",\"priority\":\"snapshot\"}");
    assertThat(shardRestored.status()).as(shardRestored.body()).isEqualTo(200);
    int restoredPoints = (int) shardPoints;
    eventually(10, () -> assertCountOnEveryNode("backup", restoredPoints));

    // an incompatible collection is refused, and keeps what it had
    assertThat(
            rest(0)
                .send(
                    "PUT",
                    "/collections/narrow",
                    "{\"vectors\":{\"size\":3,\"distance\":\"Dot\"},\"shard_number\":2}")
                .status())
        .isEqualTo(200);
    var incompatible = rest(0).send("PUT", "/collections/narrow/snapshots/recover", body + "}");
    assertThat(incompatible.status()).as(incompatible.body()).isEqualTo(400);
    assertThat(incompatible.error())
        .contains("Snapshot is not compatible with existing collection");
    for (String c : List.of("backup", "copied", "narrow")) {
      assertThat(rest(0).send("DELETE", "/collections/" + c, null).status()).isEqualTo(200);
    }
  }

  /**
   * Sparse vectors through the cluster: a collection with a dense and a BM25 sparse vector over
   * three shards, documents written through one node (embedded there, replicated as sparse
   * vectors), the same fused and sparse results read from every node.
   */
  @Test
  @Order(3)
  void sparseVectorsAreReplicatedAndSearchedOnEveryNode() throws Exception {
    var created =
        rest(0)
            .call(
                "PUT",
                "/collections/{collection_name}",
                "/collections/hybrid",
                "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"sparse_vectors\":{\"text\":"
                    + "{\"modifier\":\"idf\"}},\"shard_number\":3,\"replication_factor\":2}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    String[] texts = {
      "foxes hunt in the forest", "dogs sleep by the fire", "a fox and a dog", "the quiet forest"
    };
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 0; i < texts.length; i++) {
      points
          .append(i > 0 ? "," : "")
          .append("{\"id\":")
          .append(i + 1)
          .append(",\"vector\":{\"\":[")
          .append(i)
          .append(",1],\"text\":{\"text\":\"")
          .append(texts[i])
          .append("\",\"model\":\"qdrant/bm25\"}}}");
    }
    points.append("]}");
    eventually(
        10,
        () ->
            assertThat(
                    rest(1)
                        .send("PUT", "/collections/hybrid/points?wait=true", points.toString())
                        .status())
                .isEqualTo(200));
    String sparse =
        "{\"query\":{\"text\":\"fox forest\",\"model\":\"qdrant/bm25\"},\"using\":\"text\","
            + "\"limit\":10}";
    String fused =
        "{\"prefetch\":[{\"query\":[1,0],\"limit\":2},{\"query\":{\"text\":\"fox\","
            + "\"model\":\"qdrant/bm25\"},\"using\":\"text\",\"limit\":2}],"
            + "\"query\":{\"fusion\":\"rrf\"},\"limit\":3}";
    for (int i = 0; i < NODES; i++) {
      int node = i;
      eventually(
          10,
          () -> {
            var s =
                rest(node)
                    .call(
                        "POST",
                        "/collections/{collection_name}/points/query",
                        "/collections/hybrid/points/query?consistency=majority",
                        sparse);
            assertThat(s.status()).as(s.body()).isEqualTo(200);
            // 1 and 3 have both terms' stems; 4 has "forest" only; 2 neither
            assertThat(s.result().get("points").findValuesAsText("id"))
                .as("sparse on node %d", node)
                .containsExactlyInAnyOrder("1", "3", "4");
            var f =
                rest(node)
                    .call(
                        "POST",
                        "/collections/{collection_name}/points/query",
                        "/collections/hybrid/points/query?consistency=majority",
                        fused);
            assertThat(f.result().get("points").get(0).get("id").asInt())
                .as("fused on node %d", node)
                .isEqualTo(3); // best dense match that has "fox"
          });
    }
  }

  /**
   * Resharding up then down, then up again and aborted, while a client keeps writing: every
   * acknowledged point is readable exactly once through every node with its own payload, the shard
   * count follows, and the shard being added or removed is reported while it runs.
   */
  @Test
  @Order(3)
  void reshardingUpAndDownUnderWritesKeepsEveryPointExactlyOnce() throws Exception {
    var created =
        rest(0)
            .send(
                "PUT",
                "/collections/resharded",
                "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"shard_number\":2,"
                    + "\"replication_factor\":2}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
    eventually(10, () -> assertThat(writeBatch(0, 0, 300, acknowledged)).isTrue());

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger next = new AtomicInteger(300);
    ReentrantLock writing = new ReentrantLock(); // held by a batch; the checks hold it to count
    Thread writer =
        Thread.ofPlatform()
            .name("resharding-writer")
            .start(
                () -> {
                  // bounded: at most 400 batches of 5, each waited for
                  for (int b = 0; b < 400 && !stop.get(); b++) {
                    int from = next.getAndAdd(5);
                    writing.lock();
                    try {
                      writeBatch(b % NODES, from, from + 5, acknowledged);
                    } catch (Exception e) {
                      // not acknowledged: not expected to be there
                    } finally {
                      writing.unlock();
                    }
                  }
                });
    try {
      for (String direction : List.of("up", "down")) {
        int before = shardCount(0);
        var started =
            rest(0)
                .send(
                    "POST",
                    "/collections/resharded/cluster",
                    "{\"start_resharding\":{\"direction\":\"" + direction + "\"}}");
        assertThat(started.status()).as(started.body()).isEqualTo(200);
        // no snapshot while points move: it would hold some of them twice (the driver's first
        // step waits for every peer, so the resharding is still running here)
        var snapshot = rest(0).send("POST", "/collections/resharded/snapshots?wait=true", null);
        assertThat(snapshot.status()).as(snapshot.body()).isEqualTo(400);
        assertThat(snapshot.body()).contains("Collection resharded is being resharded");
        int after = direction.equals("up") ? before + 1 : before - 1;
        // reported on every node while it runs (unless it already ended), then gone
        for (int node = 0; node < NODES; node++) {
          JsonNode info = rest(node).send("GET", "/collections/resharded/cluster", null).result();
          JsonNode ops = info.path("resharding_operations");
          if (!ops.isMissingNode()) {
            assertThat(ops.get(0).path("direction").asText()).isEqualTo(direction);
          }
        }
        for (int node = 0; node < NODES; node++) {
          int n = node;
          eventually(
              60,
              () -> {
                JsonNode info =
                    rest(n).send("GET", "/collections/resharded/cluster", null).result();
                assertThat(info.has("resharding_operations")).as(info.toString()).isFalse();
                assertThat(info.path("shard_count").asInt()).isEqualTo(after);
                JsonNode params =
                    rest(n).send("GET", "/collections/resharded", null).result().path("config");
                assertThat(params.path("params").path("shard_number").asInt()).isEqualTo(after);
              });
        }
        int mark = next.get();
        eventually(30, () -> assertThat(acknowledged.stream().anyMatch(i -> i >= mark)).isTrue());
        writing.lock();
        try {
          assertEveryPointOnce(acknowledged, direction);
        } finally {
          writing.unlock();
        }
      }
      // aborted right away: the collection keeps its shards and every point
      var started =
          rest(1)
              .send(
                  "POST",
                  "/collections/resharded/cluster",
                  "{\"start_resharding\":{\"direction\":\"up\"}}");
      assertThat(started.status()).as(started.body()).isEqualTo(200);
      var aborted =
          rest(2).send("POST", "/collections/resharded/cluster", "{\"abort_resharding\":{}}");
      // the abort is refused only once the resharding has switched to the new shards
      int expected = aborted.status() == 200 ? 2 : 3;
      if (aborted.status() != 200) {
        assertThat(aborted.status()).isEqualTo(400);
        assertThat(aborted.body()).contains("cannot be aborted any more");
      }
      for (int node = 0; node < NODES; node++) {
        int n = node;
        eventually(
            60,
            () -> {
              JsonNode info = rest(n).send("GET", "/collections/resharded/cluster", null).result();
              assertThat(info.has("resharding_operations")).as(info.toString()).isFalse();
              assertThat(info.path("shard_count").asInt()).isEqualTo(expected);
            });
      }
      var none =
          rest(0).send("POST", "/collections/resharded/cluster", "{\"abort_resharding\":{}}");
      assertThat(none.status()).as(none.body()).isEqualTo(400);
      assertThat(none.body()).contains("No resharding in progress");
    } finally {
      stop.set(true);
      writer.join(TimeUnit.SECONDS.toMillis(60));
    }
    assertEveryPointOnce(acknowledged, "abort");
  }

  /** A quota configuration whose disk limit is below the disk usage {@code node} reports now. */
  private static String diskQuotaBelowUsage(int node) throws Exception {
    var quotas = rest(node).call("GET", "/quotas", "/quotas", null).result();
    int disk = quotas.at("/usage/disk_usage_percent").asInt(-1);
    assertThat(disk).isBetween(0, 100);
    return "{\"enabled\":true,\"max_disk_usage_percent\":" + Math.max(1, disk - 10) + "}";
  }

  /**
   * Upserts points {@code from} until {@code to} (payload {@code n} = id); true if acknowledged.
   */
  private static boolean writeBatch(int node, int from, int to, Set<Integer> acknowledged)
      throws Exception {
    StringBuilder body = new StringBuilder("{\"points\":[");
    for (int i = from; i < to; i++) {
      body.append(i == from ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[1,")
          .append(i % 7)
          .append("],\"payload\":{\"n\":")
          .append(i)
          .append("}}");
    }
    body.append("]}");
    var r = rest(node).send("PUT", "/collections/resharded/points?wait=true", body + "");
    if (r.status() != 200) {
      return false;
    }
    for (int i = from; i < to; i++) {
      acknowledged.add(i);
    }
    return true;
  }

  private static int shardCount(int node) throws Exception {
    return rest(node)
        .send("GET", "/collections/resharded/cluster", null)
        .result()
        .path("shard_count")
        .asInt();
  }

  /**
   * Every node counts and scrolls every acknowledged point exactly once, with its own payload
   * (points whose write was not acknowledged may be there too).
   */
  private static void assertEveryPointOnce(Set<Integer> acknowledged, String after)
      throws Exception {
    Set<Integer> expected = new TreeSet<>(acknowledged);
    for (int node = 0; node < NODES; node++) {
      int n = node;
      eventually(
          20,
          () -> {
            JsonNode page =
                rest(n)
                    .send(
                        "POST",
                        "/collections/resharded/points/scroll?consistency=majority",
                        "{\"limit\":10000,\"with_payload\":true}")
                    .result();
            List<Integer> ids = new ArrayList<>();
            for (JsonNode p : page.path("points")) {
              assertThat(p.path("payload").path("n").asInt()).isEqualTo(p.path("id").asInt());
              ids.add(p.path("id").asInt());
            }
            assertThat(ids).as("after %s on node %d", after, n).doesNotHaveDuplicates();
            assertThat(ids).containsAll(expected);
            long count =
                rest(n)
                    .send(
                        "POST",
                        "/collections/resharded/points/count?consistency=majority",
                        "{\"exact\":true}")
                    .result()
                    .path("count")
                    .asLong();
            assertThat(count).as("count after %s on node %d", after, n).isEqualTo(ids.size());
          });
    }
  }

  /**
   * With custom sharding, one shard key's shards are resharded up and down: its points stay
   * readable exactly once through every node, another key's shards and points are untouched.
   */
  @Test
  @Order(3)
  void aShardKeysShardsAreReshardedUpAndDown() throws Exception {
    var created =
        rest(0)
            .send(
                "PUT",
                "/collections/keyed",
                "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"sharding_method\":\"custom\","
                    + "\"replication_factor\":2}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    for (String key : List.of("a", "b")) {
      var shards =
          rest(0)
              .send(
                  "PUT",
                  "/collections/keyed/shards",
                  "{\"shard_key\":\"" + key + "\",\"shards_number\":1}");
      assertThat(shards.status()).as(shards.body()).isEqualTo(200);
    }
    Map<String, Integer> points = Map.of("a", 240, "b", 60);
    for (var e : points.entrySet()) {
      int base = e.getKey().equals("a") ? 0 : 10_000;
      StringBuilder body = new StringBuilder("{\"shard_key\":\"" + e.getKey() + "\",\"points\":[");
      for (int i = 0; i < e.getValue(); i++) {
        body.append(i == 0 ? "" : ",")
            .append("{\"id\":")
            .append(base + i)
            .append(",\"vector\":[1,")
            .append(i % 5)
            .append("],\"payload\":{\"n\":")
            .append(base + i)
            .append("}}");
      }
      body.append("]}");
      int node = base == 0 ? 1 : 2;
      eventually(
          10,
          () -> {
            var r = rest(node).send("PUT", "/collections/keyed/points?wait=true", body + "");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
          });
    }
    // a write that node 1 refuses before sending it (here over the disk quota) must not stay
    // counted as in flight there: the resharding node 1 drives waits for every write it routed
    assertThat(rest(1).call("PUT", "/quotas", "/quotas?wait=true", diskQuotaBelowUsage(1)).status())
        .isEqualTo(200);
    eventually(
        10,
        () -> {
          var refused =
              rest(1)
                  .send(
                      "PUT",
                      "/collections/keyed/points?wait=true",
                      "{\"shard_key\":\"a\",\"points\":[{\"id\":9999,\"vector\":[1,1]}]}");
          assertThat(refused.status()).as(refused.body()).isEqualTo(507);
        });
    assertThat(rest(1).call("PUT", "/quotas", "/quotas?wait=true", "{\"enabled\":false}").status())
        .isEqualTo(200);
    for (String direction : List.of("up", "down")) {
      var started =
          rest(1)
              .send(
                  "POST",
                  "/collections/keyed/cluster",
                  "{\"start_resharding\":{\"direction\":\""
                      + direction
                      + "\",\"shard_key\":\"a\"}}");
      assertThat(started.status()).as(started.body()).isEqualTo(200);
      int shardsOfA = direction.equals("up") ? 2 : 1;
      for (int node = 0; node < NODES; node++) {
        int n = node;
        eventually(
            60,
            () -> {
              JsonNode info = rest(n).send("GET", "/collections/keyed/cluster", null).result();
              assertThat(info.has("resharding_operations")).as(info.toString()).isFalse();
              Map<String, Set<Integer>> byKey = new TreeMap<>();
              for (String part : List.of("local_shards", "remote_shards")) {
                for (JsonNode shard : info.path(part)) {
                  byKey
                      .computeIfAbsent(shard.path("shard_key").asText(), k -> new TreeSet<>())
                      .add(shard.path("shard_id").asInt());
                }
              }
              assertThat(byKey.get("a")).as(info.toString()).hasSize(shardsOfA);
              assertThat(byKey.get("b")).as(info.toString()).hasSize(1);
              for (var e : points.entrySet()) {
                JsonNode page =
                    rest(n)
                        .send(
                            "POST",
                            "/collections/keyed/points/scroll?consistency=majority",
                            "{\"limit\":1000,\"with_payload\":true,\"shard_key\":\""
                                + e.getKey()
                                + "\"}")
                        .result();
                List<Integer> ids = new ArrayList<>();
                for (JsonNode p : page.path("points")) {
                  assertThat(p.path("payload").path("n").asInt()).isEqualTo(p.path("id").asInt());
                  ids.add(p.path("id").asInt());
                }
                assertThat(ids)
                    .as("key %s after %s on node %d", e.getKey(), direction, n)
                    .doesNotHaveDuplicates()
                    .hasSize(e.getValue());
              }
            });
      }
    }
  }

  @Test
  @Order(4)
  void killingAFollowerAndThenTheLeaderLosesNoAcknowledgedWrite() throws Exception {
    Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    // what went wrong, for the assertion messages: the latest failures and the slowest write
    Deque<String> problems = new ConcurrentLinkedDeque<>();
    AtomicLong slowestMillis = new AtomicLong();
    Function<String, Supplier<String>> progress =
        what ->
            () ->
                what
                    + " (slowest write "
                    + slowestMillis.get()
                    + " ms, "
                    + failures.get()
                    + " failed, latest: "
                    + problems
                    + ")";
    Set<Integer> down = new ConcurrentSkipListSet<>();
    AtomicBoolean paused = new AtomicBoolean(); // no new write starts while set
    AtomicInteger writing = new AtomicInteger(); // writes in flight (0 or 1)
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  int next = 1000;
                  int round = 0;
                  while (!stop.get() && next < 100_000) {
                    int target = round++ % NODES;
                    if (down.contains(target)) {
                      continue;
                    }
                    writing.incrementAndGet();
                    if (paused.get()) {
                      writing.decrementAndGet();
                      LockSupport.parkNanos(20_000_000);
                      continue;
                    }
                    StringBuilder body = new StringBuilder("{\"points\":[");
                    List<Integer> ids = new ArrayList<>();
                    for (int k = 0; k < 8; k++, next++) {
                      ids.add(next);
                      body.append(k == 0 ? "" : ",")
                          .append("{\"id\":")
                          .append(next)
                          .append(",\"vector\":[0,0,1,")
                          .append(k)
                          .append("]}");
                    }
                    body.append("]}");
                    long began = System.nanoTime();
                    String problem = null;
                    try {
                      var a =
                          rest(target)
                              .send("PUT", "/collections/shared/points?wait=true", body.toString());
                      if (a.status() == 200) {
                        acknowledged.addAll(ids);
                      } else {
                        problem = a.status() + " " + a.body();
                      }
                    } catch (Exception e) {
                      problem = e.toString();
                    } finally {
                      writing.decrementAndGet();
                    }
                    long millis = (System.nanoTime() - began) / 1_000_000;
                    slowestMillis.accumulateAndGet(millis, Math::max);
                    if (problem != null) {
                      failures.incrementAndGet();
                      problems.addLast(
                          Instant.now()
                              + " node "
                              + target
                              + " after "
                              + millis
                              + " ms: "
                              + problem);
                      while (problems.size() > 10) {
                        problems.pollFirst();
                      }
                    }
                  }
                });
    try {
      eventually(20, () -> assertThat(acknowledged.size()).as("writes running").isGreaterThan(40));
      int leader = leaderIndex();
      int follower = (leader + 1) % NODES;
      int before = acknowledged.size();
      down.add(follower);
      nodes.get(follower).kill();
      eventually(
          20,
          () ->
              assertThat(acknowledged.size())
                  .as(progress.apply("writes continue with a follower down"))
                  .isGreaterThan(before + 40));
      // the leaders of the shards it holds report its replicas Dead (their updates to it fail)
      long followerId = peerIdOf(follower);
      eventually(
          20,
          () -> {
            List<String> states = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
              if (i != follower) {
                states.addAll(replicaStates(i, followerId));
              }
            }
            assertThat(states).contains("Dead");
          });
      Set<Integer> ackedSoFar = Set.copyOf(acknowledged);
      nodes.get(follower).args().start(); // rejoins from its stored identity, no flags
      int restarted = follower;
      // while its replicas catch up they serve no reads (the leaders answer): the first answer
      // through the restarted node already holds every write acknowledged before it came back
      Set<Integer> firstRead = new TreeSet<>();
      eventually(30, () -> firstRead.addAll(scrollAll(restarted)));
      assertThat(firstRead).containsAll(ackedSoFar);
      down.remove(follower);
      // and, caught up, every replica is Active again wherever it is reported. Checked with the
      // writes held back: under writes a follower this box runs slowly is Partial while it trails
      // its leader by more than a few dozen entries, which is the state, not the catching up
      paused.set(true);
      eventually(30, () -> assertThat(writing.get()).as("writes in flight").isZero());
      eventually(
          30,
          () -> {
            List<String> notActive = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
              for (long peer : List.of(peerIdOf(0), peerIdOf(1), peerIdOf(2))) {
                List<String> states = replicaStates(i, peer);
                if (!states.stream().allMatch("Active"::equals)) {
                  notActive.add("node " + i + " reports peer " + peer + ": " + states);
                }
              }
            }
            assertThat(notActive).as("replicas not Active").isEmpty();
          });
      paused.set(false);
      // the leaders compacted their logs meanwhile: the follower was sent shard snapshots
      assertThat(nodes.get(restarted).log()).contains("caught up from the leader's snapshot");
      // and recorded each install in its audit log
      assertThat(
              rest(restarted)
                  .send(
                      "POST",
                      "/audit/logs",
                      "{\"filters\":{\"operation\":\"install_shard_snapshot\"},\"limit\":10}")
                  .body())
          .contains("\"operation\":\"install_shard_snapshot\"")
          .contains("/collections/shared/shards/");

      int oldLeader = leaderIndex();
      down.add(oldLeader);
      nodes.get(oldLeader).kill();
      eventually(
          15,
          () -> {
            int survivor = (oldLeader + 1) % NODES;
            JsonNode c = cluster(survivor);
            assertThat(c.path("raft_info").path("leader").isNull()).isFalse();
            assertThat(c.path("raft_info").path("leader").asLong())
                .isNotEqualTo(peerIdOf(oldLeader));
          });
      int afterElection = acknowledged.size();
      eventually(
          20,
          () ->
              assertThat(acknowledged.size())
                  .as(progress.apply("writes continue under the new leader"))
                  .isGreaterThan(afterElection + 40));
      nodes.get(oldLeader).args().start();
      down.remove(oldLeader);
      int rejoined = acknowledged.size();
      eventually(
          20,
          () ->
              assertThat(acknowledged.size())
                  .as(progress.apply("writes go on with the old leader back"))
                  .isGreaterThan(rejoined + 40));
    } finally {
      stop.set(true);
      writer.join(60_000);
      // a node this test took down comes back even when it failed, so later tests find three
      for (QuiverProcess node : nodes) {
        if (!node.running()) {
          node.args().start();
        }
      }
    }
    assertThat(acknowledged).hasSizeGreaterThan(50);
    // every node converges to the same points, holding every acknowledged one
    eventually(
        60,
        () -> {
          Set<Integer> reference = null;
          for (int i = 0; i < NODES; i++) {
            Set<Integer> ids = scrollAll(i);
            Set<Integer> missing = new TreeSet<>(acknowledged);
            missing.removeAll(ids);
            assertThat(missing)
                .as(
                    "node %d misses %d of %d acknowledged points (%s); its shards: %s; logged: %s",
                    i,
                    missing.size(),
                    acknowledged.size(),
                    missing.stream().limit(12).toList(),
                    localShards(i),
                    notableLogLines())
                .isEmpty();
            if (reference == null) {
              reference = ids;
            }
            assertThat(ids).as("node %d equals node 0", i).isEqualTo(reference);
          }
        });
  }

  /**
   * A peer down while the metadata changed many times (the metadata log compacted meanwhile, so the
   * leader no longer has the entries it missed) is sent the metadata snapshot: it drops the
   * collection dropped while it was away, holds its replica of the one created meanwhile (filled by
   * that shard's group), and knows the payload index, the alias and the metadata keys set.
   */
  @Test
  @Order(4)
  void aPeerThatMissedCompactedMetadataCatchesUpFromTheSnapshot() throws Exception {
    int up = leaderIndex();
    int down = (up + 1) % NODES;
    String collection =
        "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},\"shard_number\":1,"
            + "\"replication_factor\":3}";
    assertThat(rest(up).send("PUT", "/collections/gone", collection).status()).isEqualTo(200);
    awaitOnEveryNode("gone");
    nodes.get(down).kill();

    assertThat(rest(up).send("PUT", "/collections/arrived", collection).status()).isEqualTo(200);
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 20; i++) {
      points
          .append(i == 1 ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[1,0,0,")
          .append(i)
          .append("],\"payload\":{\"city\":\"c")
          .append(i % 3)
          .append("\"}}");
    }
    var upsert =
        rest(up)
            .send("PUT", "/collections/arrived/points?wait=true", points.append("]}").toString());
    assertThat(upsert.status()).as(upsert.body()).isEqualTo(200);
    var index =
        rest(up)
            .send(
                "PUT",
                "/collections/arrived/index?wait=true",
                "{\"field_name\":\"city\",\"field_schema\":\"keyword\"}");
    assertThat(index.status()).as(index.body()).isEqualTo(200);
    var alias =
        rest(up)
            .send(
                "POST",
                "/collections/aliases",
                "{\"actions\":[{\"create_alias\":{\"collection_name\":\"arrived\","
                    + "\"alias_name\":\"latest\"}}]}");
    assertThat(alias.status()).as(alias.body()).isEqualTo(200);
    assertThat(rest(up).send("DELETE", "/collections/gone", null).status()).isEqualTo(200);
    // well past compact_wal_entries (10), and over several 4 KiB log segments, so that the
    // leader's log no longer holds what the stopped peer misses
    String padding = "\"" + "x".repeat(300) + "\"";
    for (int i = 0; i < 60; i++) {
      var put =
          rest(up)
              .send(
                  "PUT",
                  "/cluster/metadata/keys/missed" + i + "?wait=true",
                  i == 59 ? "59" : padding);
      assertThat(put.status()).as(put.body()).isEqualTo(200);
    }

    nodes.get(down).args().start();
    eventually(
        60,
        () -> {
          assertThat(rest(down).send("GET", "/collections/gone", null).status()).isEqualTo(404);
          var info = rest(down).send("GET", "/collections/arrived", null);
          assertThat(info.status()).isEqualTo(200);
          assertThat(info.result().path("payload_schema").has("city")).isTrue();
          // through the alias, from this node's own replica
          var count =
              rest(down).send("POST", "/collections/latest/points/count", "{\"exact\":true}");
          assertThat(count.status()).as(count.body()).isEqualTo(200);
          assertThat(count.result().path("count").asInt()).isEqualTo(20);
          assertThat(
                  rest(down).send("GET", "/cluster/metadata/keys/missed59", null).result().asInt())
              .isEqualTo(59);
        });
    assertThat(nodes.get(down).log()).contains("caught up from the leader's metadata snapshot");
    assertThat(
            rest(down)
                .send(
                    "POST",
                    "/audit/logs",
                    "{\"filters\":{\"operation\":\"install_metadata_snapshot\"},\"limit\":10}")
                .body())
        .contains("/cluster/metadata/snapshot@");
    // and every peer compacted its metadata log
    for (int i = 0; i < NODES; i++) {
      assertThat(nodes.get(i).log()).contains("metadata snapshot at log index");
    }
    for (int i = 0; i < 60; i++) {
      rest(up).send("DELETE", "/cluster/metadata/keys/missed" + i + "?wait=true", null);
    }
    rest(up)
        .send(
            "POST",
            "/collections/aliases",
            "{\"actions\":[{\"delete_alias\":{\"alias_name\":\"latest\"}}]}");
    assertThat(rest(up).send("DELETE", "/collections/arrived", null).status()).isEqualTo(200);
  }

  /**
   * Clients write, delete and read (with {@code consistency=majority}) a few points through every
   * node while the metadata leader is killed and brought back: the history they saw, each operation
   * between its call and its answer (an unanswered write may or may not have happened), is
   * linearizable point by point, as Qdrant's strong read consistency promises.
   */
  @Test
  @Order(4)
  void aHistoryOfWritesAndMajorityReadsIsLinearizableAcrossALeaderKill() throws Exception {
    var created =
        rest(0)
            .call(
                "PUT",
                "/collections/{collection_name}",
                "/collections/registers",
                "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"replication_factor\":3}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    awaitOnEveryNode("registers");
    RegisterHistory history =
        new RegisterHistory("registers", 1, NODES, ClusterIT::rest).start(4, 0);
    long killedAt;
    int killed;
    try {
      Thread.sleep(4_000);
      killed = leaderIndex();
      history.down.add(killed);
      killedAt = System.nanoTime();
      nodes.get(killed).kill();
      Thread.sleep(8_000);
      nodes.get(killed).args().start();
      history.down.remove(killed);
      Thread.sleep(4_000);
    } finally {
      history.stop();
    }
    assertThat(history.answeredAfter(killedAt))
        .as("operations answered after the kill")
        .isGreaterThan(20);
    assertThat(history.count(Linearizability.Kind.READ)).isGreaterThan(20);
    Linearizability.Result verdict = history.check();
    System.out.println(history.summary(killedAt, verdict));
    assertThat(verdict.verdict())
        .as("%d operations: %s", history.ops.size(), history.explain(verdict, killedAt))
        .isEqualTo(Linearizability.Verdict.LINEARIZABLE);
    eventually(60, () -> assertThat(cluster(killed).path("status").asText()).isEqualTo("enabled"));
  }

  private static void assertCountOnEveryNode(String collection, int expected) throws Exception {
    for (int i = 0; i < NODES; i++) {
      var counted = rest(i).send("POST", "/collections/" + collection + "/points/count", "{}");
      assertThat(counted.result().path("count").asInt())
          .as("count through node %d", i)
          .isEqualTo(expected);
    }
  }

  /** Each node's peer id as last seen through its API (a node that is down keeps its id). */
  private static final Map<Integer, Long> peerIds = new ConcurrentHashMap<>();

  private static long peerIdOf(int node) throws Exception {
    if (nodes.get(node).running() || !peerIds.containsKey(node)) {
      peerIds.put(node, cluster(node).path("peer_id").asLong());
    }
    return peerIds.get(node);
  }

  /**
   * The node that leads the metadata group as node 0 reports it, once it reports one (a test before
   * may have restarted the leader: the others elect one within a few seconds).
   */
  private static int leaderIndex() throws Exception {
    int[] found = {-1};
    eventually(
        30,
        () -> {
          long leader = cluster(0).path("raft_info").path("leader").asLong();
          for (int i = 0; i < NODES; i++) {
            if (peerIdOf(i) == leader) {
              found[0] = i;
              return;
            }
          }
          throw new AssertionError("leader " + leader + " is none of the nodes");
        });
    return found[0];
  }

  /** The states node {@code node} reports for {@code peer}'s replicas of collection shared. */
  private static List<String> replicaStates(int node, long peer) throws Exception {
    var a = rest(node).send("GET", "/collections/shared/cluster", null);
    assertThat(a.status()).isEqualTo(200);
    List<String> states = new ArrayList<>();
    JsonNode r = a.result();
    if (r.path("peer_id").asLong() == peer) {
      r.path("local_shards").forEach(x -> states.add(x.path("state").asText()));
    }
    r.path("remote_shards")
        .forEach(
            x -> {
              if (x.path("peer_id").asLong() == peer) {
                states.add(x.path("state").asText());
              }
            });
    return states;
  }

  /** Node {@code node}'s replicas of "shared" as it reports them: shard, points and state. */
  private static List<String> localShards(int node) throws Exception {
    var a = rest(node).send("GET", "/collections/shared/cluster", null);
    List<String> shards = new ArrayList<>();
    a.result()
        .path("local_shards")
        .forEach(
            x ->
                shards.add(
                    x.path("shard_id").asInt()
                        + ":"
                        + x.path("points_count").asLong()
                        + ":"
                        + x.path("state").asText()));
    return shards;
  }

  /**
   * What the nodes logged about their shards that bears on a missing point (snapshot installs,
   * entries not applied, shards refusing writes, errors of Quiver's own classes), at most 40 lines.
   */
  private static List<String> notableLogLines() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      for (String line : nodes.get(i).log().split("\n")) {
        if (line.contains("caught up from")
            || line.contains("not applied")
            || line.contains("does not decode")
            || line.contains("takes no more writes")
            || line.contains("stopping")
            || (line.contains(" ERROR ")
                && !line.matches(".* ERROR (RaftServer|SerializingExecutor|Grpc).*"))) {
          lines.add("node " + i + ": " + line);
        }
      }
    }
    return lines.size() <= 40 ? lines : lines.subList(lines.size() - 40, lines.size());
  }

  /** Every point id, read through node {@code i}'s local replicas (rf=3: it holds all shards). */
  private static Set<Integer> scrollAll(int node) throws Exception {
    Set<Integer> ids = new TreeSet<>();
    String offset = null;
    for (int page = 0; page < 1000; page++) {
      String body = "{\"limit\":500" + (offset == null ? "" : ",\"offset\":" + offset) + "}";
      var a = rest(node).send("POST", "/collections/shared/points/scroll", body);
      assertThat(a.status()).as(a.body()).isEqualTo(200);
      a.result().path("points").forEach(p -> ids.add(p.path("id").asInt()));
      JsonNode next = a.result().path("next_page_offset");
      if (next.isNull() || next.isMissingNode()) {
        return ids;
      }
      offset = next.toString();
    }
    throw new AssertionError("scroll did not end");
  }

  /**
   * A node restarted as a {@code Listener} (Qdrant's test_listener_node): every node reports its
   * replicas {@code Listener}, reads through any node answer as before, writes through it still
   * reach every replica; restarted {@code Normal} they are {@code Active} again.
   */
  @Test
  @Order(4)
  void aListenerNodeKeepsTakingWritesAndIsReportedListener() throws Exception {
    int listener = NODES - 1;
    long listenerId = peerIdOf(listener);
    Set<Integer> before = new TreeSet<>();
    eventually(30, () -> before.addAll(scrollAll(0))); // the tests before may have killed a leader
    assertThat(before).isNotEmpty();
    QuiverProcess node = nodes.get(listener);
    node.stop();
    node.setEnv("QDRANT__STORAGE__NODE_TYPE", "Listener").args().start();
    try {
      eventually(
          30,
          () -> {
            for (int i = 0; i < NODES; i++) {
              assertThat(replicaStates(i, listenerId))
                  .as("node %d's report of the listener's replicas", i)
                  .isNotEmpty()
                  .containsOnly("Listener");
            }
          });
      assertThat(node.log()).contains("recorded this peer as a Listener node");
      for (int i = 0; i < NODES; i++) {
        assertThat(scrollAll(i)).as("read through node %d", i).isEqualTo(before);
      }
      var written =
          rest(listener)
              .send(
                  "PUT",
                  "/collections/shared/points?wait=true",
                  "{\"points\":[{\"id\":999001,\"vector\":[0,1,0,0]}]}");
      assertThat(written.status()).as(written.body()).isEqualTo(200);
      for (int i = 0; i < NODES; i++) {
        int n = i;
        eventually(10, () -> assertThat(scrollAll(n)).contains(999001));
      }
    } finally {
      node.stop();
      node.setEnv("QDRANT__STORAGE__NODE_TYPE", null).args().start();
    }
    eventually(
        30,
        () -> {
          for (int i = 0; i < NODES; i++) {
            assertThat(replicaStates(i, listenerId)).as("node %d", i).containsOnly("Active");
          }
        });
    assertThat(node.log()).contains("recorded this peer as a Normal node");
  }

  @Test
  @Order(5)
  void aNodeWithAForeignCaCertificateCannotJoin() throws Exception {
    pki.ca("other-ca");
    Path[] foreign = pki.issue("other-ca", "intruder", "intruder", "rsa");
    int p2p = QuiverProcess.freePort();
    // the attacker trusts the cluster's (public) CA, but its own key was signed by another CA,
    // which it trusts too (a node whose CA did not sign its own certificate refuses to start)
    Path both = pki.dir().resolve("cluster-and-other-ca.pem");
    Files.writeString(
        both, Files.readString(ca) + Files.readString(pki.dir().resolve("other-ca.pem")));
    Map<String, String> env = tlsEnv(p2p, both, foreign);
    env.put("QDRANT__CLUSTER__GRPC_TIMEOUT_MS", "2000"); // give up joining after a few seconds
    try (var intruder =
        new QuiverProcess(dir.resolve("intruder"), env)
            .args("--bootstrap", uri(0), "--uri", "https://127.0.0.1:" + p2p)) {
      Process p = intruder.launch();
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the intruder gives up").isTrue();
      assertThat(p.exitValue()).isNotZero();
      assertThat(intruder.log()).contains("could not join");
    }
    for (int i = 0; i < NODES; i++) {
      assertThat(cluster(i).path("peers").size()).isEqualTo(NODES);
    }
    for (int i = 0; i < NODES; i++) {
      assertThat(cluster(i).path("peers").toString()).doesNotContain(String.valueOf(p2p));
    }
    // the member it asked refused the certificate and said so, naming it and the address
    assertThat(awaitLog(0, "TLS handshake failed"))
        .containsPattern("TLS: refused the certificate CN=intruder")
        .containsPattern(
            "P2P: refused a connection from /127\\.0\\.0\\.1:\\d+: TLS handshake failed: unable"
                + " to find valid certification path");
  }

  @Test
  @Order(6)
  void aClientWithoutACertificateCannotSendAnythingToThePeerPort() throws Exception {
    var factory = TlsIT.context(ca, null, null).getSocketFactory();
    try (var socket =
        (javax.net.ssl.SSLSocket) factory.createSocket("127.0.0.1", p2pPorts.get(0))) {
      socket.setSoTimeout(10_000);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> {
                socket.startHandshake();
                // TLS 1.3 reports a refused client certificate on the first read
                socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes());
                socket.getOutputStream().flush();
                if (socket.getInputStream().read() < 0) {
                  throw new java.io.EOFException("closed by the peer");
                }
              })
          .isInstanceOf(java.io.IOException.class);
    }
    assertThat(awaitLog(0, "TLS handshake failed"))
        .containsPattern(
            "P2P: refused a connection from /127\\.0\\.0\\.1:\\d+: TLS handshake failed");
  }

  /**
   * A certificate the cluster's CA issued to an application (clientAuth only, naming no peer) was a
   * full peer: it opened Raft clients on the P2P port. Its calls are now refused
   * (PERMISSION_DENIED) and audited; the peers' own certificate still gets through.
   */
  @Test
  @Order(6)
  void anApplicationCertificateFromTheSameCaGetsNoClusterPowers() throws Exception {
    Path[] app =
        pki.issue("cluster-ca", "app", "app-client", "ec", "extendedKeyUsage=clientAuth\n");
    assertThat(adminCall(app)).isEqualTo("7"); // PERMISSION_DENIED
    assertThat(awaitLog(0, "names no peer of this cluster"))
        .contains("P2P: refused ratis.grpc.AdminProtocolService/groupList")
        .contains("CN=app-client");
    assertThat(adminCall(nodeCert))
        .isNotEqualTo("7"); // a peer passes (the empty request fails later)
  }

  /**
   * One unary call of Ratis' admin service on node 0's P2P port over HTTP/2 with the client
   * certificate {@code cert}; the gRPC status it ends with.
   */
  private static String adminCall(Path[] cert) throws Exception {
    var client =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_2)
            .sslContext(TlsIT.context(ca, cert[0], cert[1]))
            .build();
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(uri(0) + "/ratis.grpc.AdminProtocolService/groupList"))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .timeout(java.time.Duration.ofSeconds(20))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[5]))
            .build();
    var response = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    return response
        .headers()
        .firstValue("grpc-status")
        .orElse("none (HTTP " + response.statusCode() + ")");
  }

  /** POST /audit/logs on one node answers with every peer's entries, as Qdrant's does. */
  @Test
  @Order(6)
  void theAuditQueryOfOneNodeMergesEveryPeersEntries() throws Exception {
    String probe = "/collections/audit-probe-" + System.nanoTime();
    assertThat(rest(2).send("GET", probe, null).status()).isEqualTo(404);
    eventually(
        10,
        () -> {
          var found =
              rest(0)
                  .send(
                      "POST",
                      "/audit/logs",
                      "{\"filters\":{\"path\":\"" + probe + "\"},\"limit\":10}");
          assertThat(found.status()).as(found.body()).isEqualTo(200);
          assertThat(found.json().at("/result/entries").size()).isEqualTo(1);
        });
  }

  /** Node {@code i}'s log once it contains {@code text} (waits up to 10 s for the line). */
  private String awaitLog(int i, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String log = nodes.get(i).log();
    while (!log.contains(text) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      log = nodes.get(i).log();
    }
    return log;
  }

  @Test
  @Order(7)
  void aPlainTextNodeCannotJoinATlsCluster() throws Exception {
    int p2p = QuiverProcess.freePort();
    Map<String, String> env =
        QuiverProcess.env(
            "QDRANT__CLUSTER__ENABLED", "true",
            "QDRANT__CLUSTER__P2P__PORT", String.valueOf(p2p),
            "QDRANT__CLUSTER__GRPC_TIMEOUT_MS", "2000");
    try (var plain =
        new QuiverProcess(dir.resolve("plain"), env)
            .args(
                "--bootstrap",
                "http://127.0.0.1:" + p2pPorts.get(0),
                "--uri",
                "http://127.0.0.1:" + p2p)) {
      Process p = plain.launch();
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isNotZero();
      assertThat(plain.log()).contains("could not join");
    }
    assertThat(awaitLog(0, "does not speak TLS"))
        .containsPattern(
            "P2P: refused a connection from /127\\.0\\.0\\.1:\\d+: TLS handshake failed: the"
                + " peer does not speak TLS");
    for (int i = 0; i < NODES; i++) {
      assertThat(cluster(i).path("peers").size()).isEqualTo(NODES);
    }
  }

  @Test
  @Order(8)
  void shardsMoveReplicateAndDropThroughRaftMembershipChanges() throws Exception {
    var created =
        rest(0)
            .send(
                "PUT",
                "/collections/placed",
                "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"shard_number\":3}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 0; i < 30; i++) {
      points
          .append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[1,")
          .append(i)
          .append("]}");
    }
    points.append("]}");
    assertThat(rest(1).send("PUT", "/collections/placed/points?wait=true", points + "").status())
        .isEqualTo(200);
    JsonNode info = rest(0).send("GET", "/collections/placed/cluster", null).result();
    long self = info.path("peer_id").asLong();
    JsonNode remote = info.path("remote_shards").get(0);
    int shard = remote.path("shard_id").asInt();
    long holder = remote.path("peer_id").asLong();

    var toSelf =
        rest(0)
            .send(
                "POST",
                "/collections/placed/cluster",
                "{\"move_shard\":{\"shard_id\":"
                    + shard
                    + ",\"from_peer_id\":"
                    + holder
                    + ",\"to_peer_id\":"
                    + holder
                    + "}}");
    assertThat(toSelf.status()).isEqualTo(422);
    assertThat(toSelf.error()).contains("cannot transfer shard to itself");

    var moved =
        rest(2)
            .call(
                "POST",
                "/collections/{collection_name}/cluster",
                "/collections/placed/cluster",
                "{\"move_shard\":{\"shard_id\":"
                    + shard
                    + ",\"from_peer_id\":"
                    + holder
                    + ",\"to_peer_id\":"
                    + self
                    + "}}");
    assertThat(moved.status()).as(moved.body()).isEqualTo(200);
    // the move runs after the answer; it ends with the source's replica dropped
    eventually(
        30,
        () -> {
          JsonNode now = rest(0).send("GET", "/collections/placed/cluster", null).result();
          assertThat(now.path("local_shards").findValuesAsText("shard_id")).contains("" + shard);
          for (JsonNode local : now.path("local_shards")) {
            if (local.path("shard_id").asInt() == shard) {
              assertThat(local.path("points_count").asLong()).isPositive();
            }
          }
          assertThat(now.path("remote_shards").toString()).doesNotContain("\"peer_id\":" + holder);
        });
    assertCountOnEveryNode("placed", 30);
    // copy it back, then drop the copy that was moved here
    assertThat(
            rest(1)
                .send(
                    "POST",
                    "/collections/placed/cluster",
                    "{\"replicate_shard\":{\"shard_id\":"
                        + shard
                        + ",\"from_peer_id\":"
                        + self
                        + ",\"to_peer_id\":"
                        + holder
                        + "}}")
                .status())
        .isEqualTo(200);
    // the copy's transfer must end before the replica it copied from can be dropped
    eventually(
        30,
        () -> {
          for (int i = 0; i < NODES; i++) {
            assertThat(transfers(rest(i))).as("transfers seen by node %d", i).isEmpty();
          }
        });
    var dropped =
        rest(1)
            .send(
                "POST",
                "/collections/placed/cluster",
                "{\"drop_replica\":{\"shard_id\":" + shard + ",\"peer_id\":" + self + "}}");
    assertThat(dropped.status()).as(dropped.body()).isEqualTo(200);
    var last =
        rest(1)
            .send(
                "POST",
                "/collections/placed/cluster",
                "{\"drop_replica\":{\"shard_id\":" + shard + ",\"peer_id\":" + holder + "}}");
    assertThat(last.status()).as("the last replica stays").isEqualTo(400);
    assertCountOnEveryNode("placed", 30);
  }

  @Test
  @Order(9)
  void aJoinedPeerCanBeRemoved() throws Exception {
    int p2p = QuiverProcess.freePort();
    try (var extra =
        new QuiverProcess(dir.resolve("extra"), tlsEnv(p2p, ca, nodeCert))
            .tls(ca)
            .args("--bootstrap", uri(2), "--uri", "https://127.0.0.1:" + p2p)) {
      extra.start();
      var extraRest = new Rest(extra.httpPort, openApi, clientTls, KEY);
      long extraId = extraRest.send("GET", "/cluster", null).result().path("peer_id").asLong();
      eventually(10, () -> assertThat(cluster(0).path("peers").size()).isEqualTo(NODES + 1));
      // the newcomer serves collections created before it joined, reading remote replicas
      assertThat(
              extraRest
                  .send("POST", "/collections/placed/points/count", "{}")
                  .result()
                  .path("count")
                  .asInt())
          .isEqualTo(30);
      transfersToTheNewcomer(extra, extraRest, extraId);
      var removed =
          rest(0).call("DELETE", "/cluster/peer/{peer_id}", "/cluster/peer/" + extraId, null);
      assertThat(removed.status()).as(removed.body()).isEqualTo(200);
      for (int i = 0; i < NODES; i++) {
        int node = i;
        eventually(10, () -> assertThat(cluster(node).path("peers").size()).isEqualTo(NODES));
      }
      // every node records the membership changes in its audit log
      for (int i = 0; i < NODES; i++) {
        int node = i;
        eventually(
            10,
            () -> {
              String audit =
                  rest(node)
                      .send(
                          "POST",
                          "/audit/logs",
                          "{\"filters\":{\"method\":\"P2P\"},\"limit\":1000}")
                      .body();
              assertThat(audit)
                  .contains("\"operation\":\"peer_joined\"")
                  .contains("\"operation\":\"peer_removed\"")
                  .contains("/cluster/peer/" + extraId)
                  // the Raft admin calls that made the changes, where they were received
                  .contains("\"operation\":\"raft_setConfiguration\"");
            });
      }
      long member = cluster(1).path("peer_id").asLong();
      var refused = rest(0).send("DELETE", "/cluster/peer/" + member, null);
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.error()).contains("as there are shards on it");
    }
  }

  /**
   * Shard transfers as Qdrant runs them: answered at once, reported in {@code shard_transfers} on
   * every node while they run, the receiver {@code Partial} ({@code Recovery} with {@code
   * wal_delta} until it has caught up); {@code snapshot} has the receiver install a snapshot of the
   * shard; a transfer to a peer that does not answer stays recorded until it is aborted;
   * conflicting transfers, and aborting or restarting one that is not running, are refused with
   * Qdrant's messages.
   */
  private void transfersToTheNewcomer(QuiverProcess extra, Rest extraRest, long extraId)
      throws Exception {
    // a shard with points, its holder, and a peer without it
    int shard = -1;
    long holder = -1;
    long points = 0;
    for (int i = 0; i < NODES && shard < 0; i++) {
      JsonNode info = rest(i).send("GET", "/collections/placed/cluster", null).result();
      for (JsonNode local : info.path("local_shards")) {
        if (local.path("points_count").asLong() > 0) {
          shard = local.path("shard_id").asInt();
          holder = info.path("peer_id").asLong();
          points = local.path("points_count").asLong();
          break;
        }
      }
    }
    assertThat(shard).as("a shard of `placed` with points").isNotNegative();
    long other = -1;
    for (int i = 0; i < NODES; i++) {
      long id = cluster(i).path("peer_id").asLong();
      if (id != holder) {
        other = id;
      }
    }
    String key =
        "{\"shard_id\":" + shard + ",\"from_peer_id\":" + holder + ",\"to_peer_id\":" + extraId;

    // by snapshot: the receiver installs the shard's snapshot, then the transfer ends
    var replicated =
        rest(1)
            .send(
                "POST",
                "/collections/placed/cluster",
                "{\"replicate_shard\":" + key + ",\"method\":\"snapshot\"}}");
    assertThat(replicated.status()).as(replicated.body()).isEqualTo(200);
    int s = shard;
    long n = points;
    eventually(
        60,
        () -> {
          for (int i = 0; i < NODES; i++) {
            assertThat(transfers(rest(i))).as("transfers seen by node %d", i).isEmpty();
          }
          JsonNode mine = extraRest.send("GET", "/collections/placed/cluster", null).result();
          assertThat(mine.path("local_shards").toString())
              .contains("\"shard_id\":" + s + ",\"points_count\":" + n + ",\"state\":\"Active\"");
        });
    assertThat(extra.log()).contains("caught up from the leader's snapshot");
    var dropped =
        rest(0)
            .send(
                "POST",
                "/collections/placed/cluster",
                "{\"drop_replica\":{\"shard_id\":" + shard + ",\"peer_id\":" + extraId + "}}");
    assertThat(dropped.status()).as(dropped.body()).isEqualTo(200);

    // to a peer that does not answer: recorded and reported until aborted
    extra.pause();
    try {
      var stuck =
          rest(0).send("POST", "/collections/placed/cluster", "{\"replicate_shard\":" + key + "}}");
      assertThat(stuck.status()).as(stuck.body()).isEqualTo(200);
      long from = holder;
      eventually(
          10,
          () -> {
            for (int i = 0; i < NODES; i++) {
              JsonNode info = rest(i).send("GET", "/collections/placed/cluster", null).result();
              assertThat(info.path("shard_transfers").toString())
                  .as("node %d", i)
                  .isEqualTo(
                      "[{\"shard_id\":"
                          + s
                          + ",\"from\":"
                          + from
                          + ",\"to\":"
                          + extraId
                          + ",\"sync\":true,\"method\":\"stream_records\"}]");
              assertThat(info.path("remote_shards").toString())
                  .contains(
                      "\"shard_id\":" + s + ",\"peer_id\":" + extraId + ",\"state\":\"Partial\"");
            }
          });
      var conflicting =
          rest(2)
              .send(
                  "POST",
                  "/collections/placed/cluster",
                  "{\"move_shard\":{\"shard_id\":"
                      + shard
                      + ",\"from_peer_id\":"
                      + holder
                      + ",\"to_peer_id\":"
                      + other
                      + "}}");
      assertThat(conflicting.status()).as(conflicting.body()).isEqualTo(400);
      assertThat(conflicting.error())
          .isEqualTo(
              "Bad request: Shard "
                  + shard
                  + " is already involved in transfer "
                  + holder
                  + " -> "
                  + extraId);
      var restarted =
          rest(1)
              .send(
                  "POST",
                  "/collections/placed/cluster",
                  "{\"restart_transfer\":" + key + ",\"method\":\"wal_delta\"}}");
      assertThat(restarted.status()).as(restarted.body()).isEqualTo(200);
      assertThat(transfers(rest(1)).toString()).contains("\"method\":\"wal_delta\"");
      // a wal_delta receiver is in Recovery until it has caught up
      eventually(
          10,
          () -> {
            for (int i = 0; i < NODES; i++) {
              JsonNode info = rest(i).send("GET", "/collections/placed/cluster", null).result();
              assertThat(info.path("remote_shards").toString())
                  .as("node %d", i)
                  .contains(
                      "\"shard_id\":" + s + ",\"peer_id\":" + extraId + ",\"state\":\"Recovery\"");
            }
          });
      var aborted =
          rest(2).send("POST", "/collections/placed/cluster", "{\"abort_transfer\":" + key + "}}");
      assertThat(aborted.status()).as(aborted.body()).isEqualTo(200);
      eventually(
          10,
          () -> {
            for (int i = 0; i < NODES; i++) {
              JsonNode info = rest(i).send("GET", "/collections/placed/cluster", null).result();
              assertThat(info.path("shard_transfers")).as("node %d", i).isEmpty();
              assertThat(info.path("remote_shards").toString())
                  .doesNotContain("\"peer_id\":" + extraId);
            }
          });
      for (String op : List.of("abort_transfer", "restart_transfer")) {
        var none =
            rest(0)
                .send(
                    "POST",
                    "/collections/placed/cluster",
                    "{\""
                        + op
                        + "\":"
                        + key
                        + (op.equals("restart_transfer") ? ",\"method\":\"snapshot\"" : "")
                        + "}}");
        assertThat(none.status()).as(op + ": " + none.body()).isEqualTo(400);
        assertThat(none.error())
            .isEqualTo(
                "Bad request: There is no transfer for shard "
                    + shard
                    + " from "
                    + holder
                    + " to "
                    + extraId);
      }
    } finally {
      extra.resume();
    }
    assertCountOnEveryNode("placed", 30);
  }

  private static JsonNode transfers(Rest node) throws Exception {
    return node.send("GET", "/collections/placed/cluster", null).result().path("shard_transfers");
  }

  @Test
  @Order(10)
  void customShardingPlacesEachKeyOnItsPeers() throws Exception {
    var created =
        rest(0)
            .send(
                "PUT",
                "/collections/tenants",
                "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"sharding_method\":\"custom\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    // a configuration change goes through the metadata log to every node
    var patched =
        rest(1)
            .send(
                "PATCH",
                "/collections/tenants",
                "{\"optimizers_config\":{\"indexing_threshold\":0}}");
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    for (int i = 0; i < NODES; i++) {
      assertThat(
              rest(i)
                  .send("GET", "/collections/tenants", null)
                  .result()
                  .at("/config/optimizer_config/indexing_threshold")
                  .asInt())
          .as("node %d", i)
          .isZero();
    }
    long peerA = peerIdOf(1);
    long peerB = peerIdOf(2);
    assertThat(
            rest(0)
                .send(
                    "PUT",
                    "/collections/tenants/shards",
                    "{\"shard_key\":\"a\",\"placement\":[" + peerA + "]}")
                .status())
        .isEqualTo(200);
    assertThat(
            rest(2)
                .send(
                    "POST",
                    "/collections/tenants/cluster",
                    "{\"create_sharding_key\":{\"shard_key\":\"b\",\"placement\":[" + peerB + "]}}")
                .status())
        .isEqualTo(200);
    // every node knows both keys; each key's shard lives on its peer only
    for (int i = 0; i < NODES; i++) {
      assertThat(rest(i).send("GET", "/collections/tenants/shards", null).result().toString())
          .isEqualTo("{\"shard_keys\":[{\"key\":\"a\"},{\"key\":\"b\"}]}");
    }
    assertThat(rest(1).send("GET", "/collections/tenants/cluster", null).result().toString())
        .contains("\"local_shards\":[{\"shard_id\":0,\"shard_key\":\"a\"");
    assertThat(rest(2).send("GET", "/collections/tenants/cluster", null).result().toString())
        .contains("\"local_shards\":[{\"shard_id\":1,\"shard_key\":\"b\"");

    // writes through a node that holds neither key are forwarded to the key's peer
    for (String[] batch : new String[][] {{"a", "1", "20"}, {"b", "21", "30"}}) {
      StringBuilder body = new StringBuilder("{\"shard_key\":\"" + batch[0] + "\",\"points\":[");
      for (int id = Integer.parseInt(batch[1]); id <= Integer.parseInt(batch[2]); id++) {
        body.append(id > Integer.parseInt(batch[1]) ? "," : "")
            .append("{\"id\":")
            .append(id)
            .append(",\"vector\":[1,")
            .append(id)
            .append("]}");
      }
      var up = rest(0).send("PUT", "/collections/tenants/points?wait=true", body + "]}");
      assertThat(up.status()).as(up.body()).isEqualTo(200);
    }
    for (int i = 0; i < NODES; i++) {
      assertThat(countTenants(i, "{\"shard_key\":\"a\"}")).as("node %d", i).isEqualTo(20);
      assertThat(countTenants(i, "{\"shard_key\":\"b\"}")).as("node %d", i).isEqualTo(10);
      assertThat(countTenants(i, "{}")).as("node %d", i).isEqualTo(30);
    }
    JsonNode hits =
        rest(1)
            .send(
                "POST",
                "/collections/tenants/points/query",
                "{\"query\":[0,1],\"limit\":3,\"shard_key\":\"b\"}")
            .result()
            .path("points");
    assertThat(hits).hasSize(3);
    assertThat(hits.get(0).path("id").asInt()).isEqualTo(30);
    for (JsonNode h : hits) {
      assertThat(h.path("shard_key").asText()).isEqualTo("b");
    }

    // dropping a key drops its shard group and its points everywhere
    assertThat(
            rest(2)
                .send("POST", "/collections/tenants/shards/delete", "{\"shard_key\":\"a\"}")
                .status())
        .isEqualTo(200);
    for (int i = 0; i < NODES; i++) {
      assertThat(countTenants(i, "{}")).as("node %d", i).isEqualTo(10);
    }
    assertThat(rest(1).send("GET", "/collections/tenants/cluster", null).result().toString())
        .contains("\"local_shards\":[]");

    // aliases and payload indexes go through the metadata log too
    assertThat(
            rest(2)
                .send(
                    "POST",
                    "/collections/aliases",
                    "{\"actions\":[{\"create_alias\":{\"collection_name\":\"tenants\",\"alias_name\":\"t\"}}]}")
                .status())
        .isEqualTo(200);
    assertThat(
            rest(1)
                .send(
                    "PUT",
                    "/collections/t/index?wait=true",
                    "{\"field_name\":\"tier\",\"field_schema\":\"keyword\"}")
                .status())
        .isEqualTo(200);
    for (int i = 0; i < NODES; i++) {
      // the alias resolves at once on every node (a miss syncs with the metadata leader)
      var counted = rest(i).send("POST", "/collections/t/points/count", "{}");
      assertThat(counted.result().path("count").asInt()).as("node %d", i).isEqualTo(10);
      // other nodes apply metadata asynchronously, within moments
      int node = i;
      eventually(
          10,
          () ->
              assertThat(
                      rest(node)
                          .send("GET", "/collections/tenants", null)
                          .result()
                          .at("/payload_schema/tier/data_type")
                          .asText())
                  .as("node %d", node)
                  .isEqualTo("keyword"));
    }
  }

  private static long countTenants(int node, String body) throws Exception {
    var counted = rest(node).send("POST", "/collections/tenants/points/count", body);
    assertThat(counted.status()).as(counted.body()).isEqualTo(200);
    return counted.result().path("count").asLong();
  }

  /** The web console's cluster page on a follower or leader: peers, the leader, replica states. */
  @Test
  @Order(11)
  void theConsoleShowsPeersTheLeaderAndReplicaStates() throws Exception {
    var created =
        rest(0)
            .send(
                "PUT",
                "/collections/console",
                "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},\"shard_number\":2,"
                    + "\"replication_factor\":2}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    eventually(
        10,
        () ->
            assertThat(rest(1).send("GET", "/collections/console", null).status()).isEqualTo(200));
    try (var console = new ConsoleBrowser("https://127.0.0.1:" + nodes.get(1).httpPort, dir)) {
      console.signIn("api-key", KEY);
      WebElement view = console.open("#/cluster", "cluster");
      assertThat(view.findElements(By.id("cluster-peers"))).as(view.getText()).hasSize(1);
      WebElement peers = view.findElement(By.id("cluster-peers"));
      assertThat(ConsoleBrowser.column(peers, 1))
          .hasSize(NODES)
          .allMatch(uri -> uri.startsWith("https://"));
      assertThat(peers.getText()).contains("leader").contains("this node");
      WebElement shards = view.findElement(By.cssSelector("[data-collection=console]"));
      assertThat(ConsoleBrowser.column(shards, 0)).hasSize(4).containsOnly("0", "1");
      assertThat(ConsoleBrowser.column(shards, 2)).containsOnly("Active");
      console.shot("cluster-three-nodes");
      console.assertCleanConsole();
    }
  }
}
