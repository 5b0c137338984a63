package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long a killed peer takes to hold its shard again, by the two ways Raft has to bring it back:
 * three packaged peers over mutual TLS hold a collection of one shard with three replicas and
 * {@code recovery.points} points (batches of 500); one peer is killed (SIGKILL), more points are
 * written while it is down, and it is started again. Measured: the seconds until it answers HTTP,
 * and until its replica is {@code Active} and holds every point. Once with the shard's log kept
 * whole ({@code compact_shard_log_entries} above the entries written), so the peer replays its own
 * log from its last checkpoint and is sent what it missed; once with the log compacted every few
 * dozen entries (every twentieth of the load) and three times that written while it is down, more
 * than the leader keeps, so the leader sends it a snapshot of the shard (checked in its log).
 *
 * <p>Indexing off ({@code indexing_threshold: 0}): what is measured is the data coming back, not a
 * graph build. The CI run holds 20,000 points of 32 dimensions; {@code ./mvnw -pl bench
 * exec:exec@recovery} holds 1,000,000. Timings are reported, never asserted.
 */
class RecoveryIT {
  private static final String KEY = "recovery-it-key";
  private static final int NODES = 3;
  private static final int POINTS = Integer.getInteger("recovery.points", 20_000);
  private static final int DIM = Integer.getInteger("recovery.dim", 32);
  private static final int BATCH = 500;

  @TempDir static Path dir;
  static Path ca;
  static Path[] cert;
  static SSLContext clientTls;
  static final List<String> report = new ArrayList<>();

  @BeforeAll
  static void pki() throws Exception {
    TestPki pki = new TestPki(dir.resolve("pki"));
    ca = pki.ca("recovery-ca");
    cert = pki.issue("recovery-ca", "node", "quiver-node", "rsa");
    clientTls = TlsIT.context(ca, null, null);
  }

  @Test
  void aKilledPeerReplaysItsLogAndIsSentWhatItMissed() throws Exception {
    // more entries than the run writes: no snapshot, every entry stays in the logs
    long entries = 4L * (POINTS / BATCH + 10);
    recover("log replay", entries, POINTS / 10, false);
  }

  @Test
  void aKilledPeerBehindTheCompactedLogInstallsTheLeadersSnapshot() throws Exception {
    // a snapshot every twentieth of the load (10 entries at least), and three times that written
    // while the peer is down: more than the leader keeps past its snapshot
    long every = Math.max(10, POINTS / BATCH / 20);
    recover("snapshot install", every, (int) (3 * every * BATCH), true);
  }

  private static void recover(String name, long compactEntries, int missed, boolean bySnapshot)
      throws Exception {
    List<QuiverProcess> nodes = new ArrayList<>();
    List<Rest> clients = new ArrayList<>();
    try {
      String bootstrap = null;
      for (int i = 0; i < NODES; i++) {
        int p2p = QuiverProcess.freePort();
        var env = ClusterIT.tlsEnv(p2p, ca, cert);
        env.put("QDRANT__SERVICE__API_KEY", KEY);
        env.put("QDRANT__CLUSTER__CONSENSUS__COMPACT_SHARD_LOG_ENTRIES", "" + compactEntries);
        env.put("QDRANT__CLUSTER__CONSENSUS__LOG_SEGMENT_KB", "1024");
        String uri = "https://127.0.0.1:" + p2p;
        var node =
            new QuiverProcess(dir.resolve(name.replace(' ', '-')).resolve("node" + i), env)
                .javaOpts("-Dio.netty.leakDetection.level=disabled")
                .tls(ca)
                .args(
                    bootstrap == null
                        ? new String[] {"--uri", uri}
                        : new String[] {"--bootstrap", bootstrap, "--uri", uri});
        if (bootstrap == null) {
          bootstrap = uri;
        }
        nodes.add(node);
        clients.add(new Rest(node.httpPort, null, clientTls, KEY));
        node.start();
      }
      var created =
          clients
              .getFirst()
              .send(
                  "PUT",
                  "/collections/r",
                  "{\"vectors\":{\"size\":"
                      + DIM
                      + ",\"distance\":\"Dot\"},\"shard_number\":1,\"replication_factor\":3,"
                      + "\"optimizers_config\":{\"indexing_threshold\":0}}");
      assertThat(created.status()).as(created.body()).isEqualTo(200);
      Eventually.within(60, () -> assertThat(state(clients.get(NODES - 1))).isEqualTo("Active"));
      SplittableRandom random = new SplittableRandom(20261206L);
      long loadBegan = System.nanoTime();
      write(clients.getFirst(), 0, POINTS, random);
      double loaded = seconds(loadBegan);

      QuiverProcess victim = nodes.get(NODES - 1);
      victim.kill();
      write(clients.getFirst(), POINTS, POINTS + missed, random);
      long total = (long) POINTS + missed;

      long began = System.nanoTime();
      victim.args().start(); // rejoins from its stored identity
      double ready = seconds(began);
      Rest back = clients.get(NODES - 1);
      Eventually.within(
          600,
          () -> {
            JsonNode shard = localShard(back);
            assertThat(shard.path("points_count").asLong()).isEqualTo(total);
            assertThat(shard.path("state").asText()).isEqualTo("Active");
          });
      double caughtUp = seconds(began);
      String log = victim.log();
      if (bySnapshot) {
        assertThat(log).as("how it came back").contains("caught up from the leader's snapshot");
      } else {
        assertThat(log)
            .as("how it came back")
            .doesNotContain("caught up from the leader's snapshot");
      }
      String line =
          String.format(
              Locale.ROOT,
              "recovery: | %s | %,d | %,d | %.1f | %.1f | %.1f |",
              name,
              POINTS,
              missed,
              loaded,
              ready,
              caughtUp);
      System.out.println(line);
      report.add(line);
      Files.writeString(
          Path.of("target", "recovery-it.txt"),
          "recovery: | case | points loaded | written while down | load s | answering after s"
              + " | Active with every point after s |\n"
              + String.join("\n", report)
              + "\n");
    } finally {
      ClusterIT.keepLogs(nodes, "recovery-it-logs/" + name.replace(' ', '-'));
    }
  }

  /**
   * Writes points {@code from} to {@code to} (exclusive) through {@code via}, a batch at a time.
   */
  private static void write(Rest via, int from, int to, SplittableRandom random) throws Exception {
    for (int start = from; start < to; start += BATCH) {
      StringBuilder body = new StringBuilder(BATCH * DIM * 10).append("{\"points\":[");
      for (int id = start; id < Math.min(to, start + BATCH); id++) {
        body.append(id > start ? "," : "").append("{\"id\":").append(id).append(",\"vector\":[");
        for (int d = 0; d < DIM; d++) {
          body.append(d > 0 ? "," : "").append((float) random.nextDouble(-1, 1));
        }
        body.append("]}");
      }
      var a = via.send("PUT", "/collections/r/points?wait=true", body.append("]}").toString());
      assertThat(a.status()).as(a.body()).isEqualTo(200);
    }
  }

  /** The replica of {@code node} as it reports it. */
  private static JsonNode localShard(Rest node) throws Exception {
    var a = node.send("GET", "/collections/r/cluster", null);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    JsonNode locals = a.result().path("local_shards");
    assertThat(locals.size()).as("local replicas").isEqualTo(1);
    return locals.get(0);
  }

  private static String state(Rest node) throws Exception {
    return localShard(node).path("state").asText();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
