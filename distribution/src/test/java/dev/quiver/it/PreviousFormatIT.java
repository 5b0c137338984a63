package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.cluster.ClusterSettings;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory and a snapshot written by an earlier build (the last one before Raft entries
 * carried a format version; {@code build-support/previous-format-fixture.sh} made them: a one-peer
 * cluster node, a collection {@code docs} of 40 points over two shards with a keyword index and an
 * alias, a snapshot of it, then point 40 deleted) are opened by this build. Judged on: the node
 * starts on the old storage and its log of format-0 entries, holds what it held, moves its cluster
 * to the newest format, takes writes and starts again on what it then wrote; a single node recovers
 * the old snapshot.
 */
class PreviousFormatIT {
  /** The P2P port the fixture's node was started with: a cluster node keeps its URI. */
  private static final int P2P_PORT = 16399;

  @TempDir Path dir;

  @Test
  void aNodeOfThePreviousFormatIsOpenedUpgradedAndReopened() throws Exception {
    Path data = dir.resolve("node");
    unpack(data);
    Map<String, String> env =
        QuiverProcess.env(
            "QDRANT__CLUSTER__ENABLED", "true", "QDRANT__CLUSTER__P2P__PORT", "" + P2P_PORT);
    try (var node = new QuiverProcess(data, env).args("--uri", "http://127.0.0.1:" + P2P_PORT)) {
      node.start();
      Rest rest = new Rest(node.httpPort, null);
      holdsTheOldPoints(rest, 39);
      Eventually.within(
          30,
          () ->
              assertThat(rest.send("GET", "/metrics", null).body())
                  .contains("cluster_message_format " + ClusterSettings.NEWEST_FORMAT_VERSION));
      var upsert =
          rest.send(
              "PUT",
              "/collections/docs/points?wait=true",
              "{\"points\":[{\"id\":41,\"vector\":[41,1,0.5,0.25],"
                  + "\"payload\":{\"city\":\"berlin\",\"n\":41}}]}");
      assertThat(upsert.status()).as(upsert.body()).isEqualTo(200);
      node.stop();
      node.start(); // now over entries of both formats and a snapshot of the newest
      holdsTheOldPoints(rest, 40);
      assertThat(node.log()).doesNotContain("does not decode");
    }

    Path single = dir.resolve("single");
    Path snapshots = single.resolve("snapshots").resolve("docs");
    Files.createDirectories(snapshots);
    Path archive;
    try (var files = Files.list(data.resolve("snapshots").resolve("docs"))) {
      archive = files.filter(f -> f.toString().endsWith(".snapshot")).findFirst().orElseThrow();
    }
    Files.copy(archive, snapshots.resolve(archive.getFileName()));
    try (var node = new QuiverProcess(single, Map.of())) {
      node.start();
      Rest rest = new Rest(node.httpPort, null);
      var recovered =
          rest.send(
              "PUT",
              "/collections/docs/snapshots/recover",
              "{\"location\":\"file://"
                  + snapshots.resolve(archive.getFileName()).toAbsolutePath()
                  + "\"}");
      assertThat(recovered.status()).as(recovered.body()).isEqualTo(200);
      assertThat(count(rest, "docs", null)).isEqualTo(40); // taken before point 40 was deleted
      assertThat(count(rest, "docs", "berlin")).isEqualTo(20);
    }
  }

  /** The collection, its alias, its index and its vectors hold what the old node wrote. */
  private static void holdsTheOldPoints(Rest rest, int points) throws Exception {
    assertThat(count(rest, "docs", null)).isEqualTo(points);
    assertThat(count(rest, "current", null)).as("through the alias").isEqualTo(points);
    assertThat(count(rest, "docs", "paris")).isEqualTo(20);
    JsonNode info = rest.send("GET", "/collections/docs", null).result();
    assertThat(info.path("payload_schema").path("city").path("data_type").asText())
        .isEqualTo("keyword");
    assertThat(info.path("config").path("quantization_config").path("scalar").path("type").asText())
        .isEqualTo("int8");
    var point = rest.send("GET", "/collections/docs/points/7", null);
    assertThat(point.status()).as(point.body()).isEqualTo(200);
    assertThat(point.result().path("payload").path("n").asInt()).isEqualTo(7);
    var found =
        rest.send(
            "POST",
            "/collections/docs/points/query",
            "{\"query\":[3,1,0.5,0.25],\"limit\":1,\"params\":{\"exact\":true}}");
    assertThat(found.status()).as(found.body()).isEqualTo(200);
    assertThat(found.result().path("points").get(0).path("id").asInt()).isEqualTo(3);
  }

  private static long count(Rest rest, String collection, String city) throws Exception {
    String filter =
        city == null
            ? "{\"exact\":true}"
            : "{\"exact\":true,\"filter\":{\"must\":[{\"key\":\"city\",\"match\":{\"value\":\""
                + city
                + "\"}}]}}";
    var a = rest.send("POST", "/collections/" + collection + "/points/count", filter);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    return a.result().path("count").asLong();
  }

  /** The fixture's storage and snapshots, unpacked into {@code into}. */
  private static void unpack(Path into) throws Exception {
    Files.createDirectories(into);
    Path tar = into.resolve("node.tar.gz");
    try (InputStream in =
        PreviousFormatIT.class.getResourceAsStream("/previous-format/node.tar.gz")) {
      assertThat(in).as("the fixture on the test classpath").isNotNull();
      Files.copy(in, tar);
    }
    Process p = new ProcessBuilder("tar", "-xzf", tar.toString(), "-C", into.toString()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }
}
