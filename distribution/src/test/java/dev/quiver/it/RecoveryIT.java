package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

  /**
   * A collection of two shards (two replicas each) holding the load is resharded up to three shards
   * and back down while a client keeps writing batches of 50: reported, the seconds each takes, the
   * points it moved (from the driving node's log), the writes acknowledged meanwhile and the
   * slowest of them; checked, every point still counted once.
   */
  @Test
  void aCollectionIsReshardedUpAndDownWhileWritten() throws Exception {
    List<QuiverProcess> nodes = new ArrayList<>();
    List<Rest> clients = new ArrayList<>();
    try {
      startCluster("resharding", 4L * (POINTS / BATCH + 10), nodes, clients);
      Rest driver = clients.getFirst();
      var created =
          driver.send(
              "PUT",
              "/collections/r",
              "{\"vectors\":{\"size\":"
                  + DIM
                  + ",\"distance\":\"Dot\"},\"shard_number\":2,\"replication_factor\":2,"
                  + "\"optimizers_config\":{\"indexing_threshold\":0}}");
      assertThat(created.status()).as(created.body()).isEqualTo(200);
      SplittableRandom random = new SplittableRandom(20261207L);
      Eventually.within(60, () -> write(clients.get(1), 0, BATCH, random));
      write(clients.get(1), BATCH, POINTS, random);
      long total = POINTS;
      for (String direction : List.of("up", "down")) {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger(POINTS + (direction.equals("up") ? 0 : 1_000_000));
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refused = new AtomicInteger();
        List<String> reasons = Collections.synchronizedList(new ArrayList<>());
        Thread writer =
            Thread.ofPlatform()
                .start(
                    () -> {
                      SplittableRandom r = new SplittableRandom(next.get());
                      for (int b = 0; b < 100_000 && !stop.get(); b++) {
                        int from = next.getAndAdd(50);
                        long t = System.nanoTime();
                        try {
                          writeSome(clients.get(1 + b % 2), from, from + 50, r);
                          latencies.add(System.nanoTime() - t);
                        } catch (AssertionError | Exception e) {
                          refused.incrementAndGet(); // 503 after waiting out the timeout
                          if (reasons.size() < 3) {
                            reasons.add(String.valueOf(e.getMessage()).strip());
                          }
                        }
                      }
                    });
        long began = System.nanoTime();
        List<String> copiedBefore =
            nodes.getFirst().log().lines().filter(l -> l.contains("copied to their new")).toList();
        var started =
            driver.send(
                "POST",
                "/collections/r/cluster",
                "{\"start_resharding\":{\"direction\":\"" + direction + "\"}}");
        assertThat(started.status()).as(started.body()).isEqualTo(200);
        int shards = direction.equals("up") ? 3 : 2;
        Eventually.within(
            1_800,
            () -> {
              JsonNode info = driver.send("GET", "/collections/r/cluster", null).result();
              assertThat(info.has("resharding_operations")).isFalse();
              assertThat(info.path("shard_count").asInt()).isEqualTo(shards);
            });
        double took = seconds(began);
        stop.set(true);
        writer.join(120_000);
        if (POINTS <= 200_000) {
          // larger loads report the writes that waited out their timeout instead
          assertThat(refused.get())
              .as("writes refused during the resharding, the first: %s", reasons)
              .isZero();
        }
        long written = latencies.size() * 50L;
        long slowest = latencies.stream().mapToLong(Long::longValue).max().orElse(0) / 1_000_000;
        // the driver logs each part: "N points of part k of P copied to their new shards"
        List<String> parts =
            nodes
                .getFirst()
                .log()
                .lines()
                .filter(l -> l.contains("copied to their new") && !copiedBefore.contains(l))
                .toList();
        long moved =
            parts.stream()
                .mapToLong(l -> Long.parseLong(l.replaceAll(".*: (\\d+) points of part.*", "$1")))
                .sum();
        long before = total;
        total += written;
        long expected = total;
        // a refused write may still have landed (503 after its entry was sent): not counted
        Eventually.within(
            60,
            () ->
                assertThat(
                        driver
                            .send(
                                "POST",
                                "/collections/r/points/count?consistency=majority",
                                "{\"exact\":true}")
                            .result()
                            .path("count")
                            .asLong())
                    .isBetween(expected, expected + 50L * refused.get()));
        String line =
            String.format(
                Locale.ROOT,
                "resharding: | %s to %d shards | %,d | %,d in %d parts | %.1f | %,d | %,d | %d |",
                direction,
                shards,
                before,
                moved,
                parts.size(),
                took,
                written,
                slowest,
                refused.get());
        report(
            "resharding-it.txt",
            "resharding: | step | points before | points moved | s | points written meanwhile |"
                + " slowest write ms | writes refused |",
            line);
      }
    } finally {
      ClusterIT.keepLogs(nodes, "recovery-it-logs/resharding");
    }
  }

  private static void recover(String name, long compactEntries, int missed, boolean bySnapshot)
      throws Exception {
    List<QuiverProcess> nodes = new ArrayList<>();
    List<Rest> clients = new ArrayList<>();
    try {
      startCluster(name, compactEntries, nodes, clients);
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
      report(
          "recovery-it.txt",
          "recovery: | case | points loaded | written while down | load s | answering after s"
              + " | Active with every point after s |",
          line);
    } finally {
      ClusterIT.keepLogs(nodes, "recovery-it-logs/" + name.replace(' ', '-'));
    }
  }

  /**
   * Prints {@code line} and writes {@code file} (under {@code target}) as {@code header} and the
   * lines reported so far that start like it.
   */
  private static void report(String file, String header, String line) throws IOException {
    System.out.println(line);
    report.add(line);
    String kind = line.substring(0, line.indexOf(':') + 1);
    List<String> same = report.stream().filter(l -> l.startsWith(kind)).toList();
    Files.writeString(Path.of("target", file), header + "\n" + String.join("\n", same) + "\n");
  }

  /** Starts three packaged peers over mutual TLS into {@code nodes}, with a client of each. */
  private static void startCluster(
      String name, long compactEntries, List<QuiverProcess> nodes, List<Rest> clients)
      throws Exception {
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
  }

  /**
   * Writes points {@code from} to {@code to} (exclusive) through {@code via}, a batch at a time.
   */
  private static void write(Rest via, int from, int to, SplittableRandom random) throws Exception {
    for (int start = from; start < to; start += BATCH) {
      writeSome(via, start, Math.min(to, start + BATCH), random);
    }
  }

  /** Writes points {@code from} to {@code to} (exclusive) in one request. */
  private static void writeSome(Rest via, int from, int to, SplittableRandom random)
      throws Exception {
    StringBuilder body = new StringBuilder((to - from) * DIM * 10).append("{\"points\":[");
    for (int id = from; id < to; id++) {
      body.append(id > from ? "," : "").append("{\"id\":").append(id).append(",\"vector\":[");
      for (int d = 0; d < DIM; d++) {
        body.append(d > 0 ? "," : "").append((float) random.nextDouble(-1, 1));
      }
      body.append("]}");
    }
    var a = via.send("PUT", "/collections/r/points?wait=true", body.append("]}").toString());
    assertThat(a.status()).as(a.body()).isEqualTo(200);
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
