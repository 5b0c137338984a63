package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.cluster.ClusterSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-peer cluster upgraded one node at a time under writes. The nodes start as the previous
 * message format's release: {@code cluster.p2p.max_format_version: 0}, which reads and writes only
 * format 0, the bare entries of the release before versioned formats (the same bytes, see {@code
 * WireFormatTest}). Each node in turn is stopped and started on the newest format while a client
 * appends points through all three. Judged on: the cluster keeps writing format 0 while any member
 * reads only format 0, moves to the newest format once the last is upgraded, no node ever skips an
 * entry it cannot read, every acknowledged point is on every node, and a node pinned back to format
 * 0 after that exits, saying it cannot read its log, instead of diverging or serving without it.
 *
 * <p>What this cannot show: a binary of the previous release. The pinned node runs this release's
 * code limited to format 0; the bytes it writes are the previous release's, checked byte for byte
 * by the unit test, but a bug in the previous release's reading of them is out of reach.
 */
class RollingUpgradeIT {
  private static final String KEY = "upgrade-it-key";
  private static final int NODES = 3;
  private static final int NEWEST = ClusterSettings.NEWEST_FORMAT_VERSION;
  private static final String PIN = "QDRANT__CLUSTER__P2P__MAX_FORMAT_VERSION";

  @TempDir static Path dir;
  static SSLContext clientTls;
  static final List<QuiverProcess> nodes = new ArrayList<>();
  static final List<Map<String, String>> envs = new ArrayList<>();
  static final List<Rest> clients = new ArrayList<>();

  @BeforeAll
  static void startPreviousFormatCluster() throws Exception {
    TestPki pki = new TestPki(dir.resolve("pki"));
    Path ca = pki.ca("upgrade-ca");
    Path[] cert = pki.issue("upgrade-ca", "node", "quiver-node", "rsa");
    clientTls = TlsIT.context(ca, null, null);
    List<Integer> p2p = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      p2p.add(QuiverProcess.freePort());
    }
    for (int i = 0; i < NODES; i++) {
      Map<String, String> env = ClusterIT.tlsEnv(p2p.get(i), ca, cert);
      env.put("QDRANT__SERVICE__API_KEY", KEY);
      env.put(PIN, "0");
      envs.add(env);
      String uri = "https://127.0.0.1:" + p2p.get(i);
      var node =
          new QuiverProcess(dir.resolve("node" + i), env)
              .tls(ca)
              .args(
                  i == 0
                      ? new String[] {"--uri", uri}
                      : new String[] {
                        "--bootstrap", "https://127.0.0.1:" + p2p.get(0), "--uri", uri
                      });
      nodes.add(node);
      clients.add(new Rest(node.httpPort, null, clientTls, KEY));
      node.start();
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    ClusterIT.keepLogs(nodes, "rolling-upgrade-it-logs");
  }

  @Test
  void aClusterUpgradedOneNodeAtATimeUnderWritesLosesNothingAndMovesToTheNewFormatAtTheEnd()
      throws Exception {
    Eventually.within(
        60,
        () -> {
          for (int i = 0; i < NODES; i++) {
            assertThat(clients.get(i).send("GET", "/cluster", null).result().path("peers").size())
                .as("peers seen by node %d", i)
                .isEqualTo(NODES);
          }
        });
    var created =
        clients
            .get(0)
            .send(
                "PUT",
                "/collections/ledger",
                "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"shard_number\":2,"
                    + "\"replication_factor\":3}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    for (int i = 0; i < NODES; i++) {
      assertThat(formats(i)).as("node %d before the upgrade", i).containsExactly(0, 0);
    }

    var writer = new LedgerWriter("ledger", NODES, clients::get).start(1, 20261206L);
    for (int i = 0; i < NODES; i++) {
      int upgraded = i;
      nodes.get(i).stop();
      envs.get(i).remove(PIN);
      nodes.get(i).start();
      Eventually.within(
          60,
          () ->
              assertThat(formats(upgraded))
                  .as("node %d after its upgrade reads the newest format", upgraded)
                  .containsExactly(upgraded == NODES - 1 ? NEWEST : 0, NEWEST));
      int before = writer.acknowledged.size();
      Eventually.within(
          60,
          () ->
              assertThat(writer.acknowledged.size())
                  .as("writes go on after node %d's upgrade", upgraded)
                  .isGreaterThan(before + 20));
      if (i < NODES - 1) {
        // a member still reads only format 0: nothing may move the cluster to a newer one
        Thread.sleep(3_000); // longer than the leader's check period
        for (int n = 0; n < NODES; n++) {
          assertThat(formats(n).getFirst())
              .as("cluster format seen by node %d with %d node(s) upgraded", n, i + 1)
              .isZero();
        }
      }
    }
    Eventually.within(
        30,
        () -> {
          for (int n = 0; n < NODES; n++) {
            assertThat(formats(n))
                .as("node %d once all are upgraded", n)
                .containsExactly(NEWEST, NEWEST);
          }
        });
    int before = writer.acknowledged.size();
    Eventually.within(60, () -> assertThat(writer.acknowledged.size()).isGreaterThan(before + 20));
    writer.stop();
    assertThat(writer.acknowledged).hasSizeGreaterThan(100);
    Eventually.within(
        60,
        () -> {
          for (int n = 0; n < NODES; n++) {
            assertThat(writer.missingOn(n))
                .as("acknowledged points missing on node %d", n)
                .isEmpty();
          }
        });
    for (int n = 0; n < NODES; n++) {
      assertThat(logs(n)).as("node %d's logs", n).doesNotContain("does not decode");
    }

    // rolling back now would leave a node that cannot read its own log: it stops instead
    QuiverProcess last = nodes.get(NODES - 1);
    last.stop();
    envs.get(NODES - 1).put(PIN, "0");
    Process refused = last.launch();
    assertThat(refused.waitFor(60, TimeUnit.SECONDS)).as("the pinned node exits").isTrue();
    assertThat(refused.exitValue()).isNotZero();
    // refused while loading the metadata snapshot (cannot start) or replaying the log (stopping)
    assertThat(last.log())
        .containsPattern("FATAL +Main - (cannot start|stopping): .*reads formats up to 0");
  }

  private static final Pattern GAUGE =
      Pattern.compile("(?m)^(cluster_message_format|peer_max_message_format) (\\d+)$");

  /** {cluster's format, newest the node reads} from the node's {@code /metrics}. */
  private static List<Integer> formats(int node) throws Exception {
    var metrics = clients.get(node).send("GET", "/metrics", null);
    assertThat(metrics.status()).isEqualTo(200);
    Integer cluster = null;
    Integer max = null;
    Matcher m = GAUGE.matcher(metrics.body());
    while (m.find()) {
      if (m.group(1).equals("cluster_message_format")) {
        cluster = Integer.valueOf(m.group(2));
      } else {
        max = Integer.valueOf(m.group(2));
      }
    }
    assertThat(cluster).as("cluster_message_format of node %d", node).isNotNull();
    assertThat(max).as("peer_max_message_format of node %d", node).isNotNull();
    return List.of(cluster, max);
  }

  /** Everything node {@code n} logged, across its starts. */
  private static String logs(int n) throws Exception {
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(nodes.get(n).workDir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
        all.append(Files.readString(f));
      }
    }
    return all.toString();
  }
}
