package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.testing.Linearizability;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three packaged nodes whose peer links each pass through a {@link FaultProxy} ({@link
 * FaultNetwork}): the tests partition peers (both ways and one way), slow the links down and lose
 * segments on them, and pause a process, while clients write and read registers through every node
 * ({@link RegisterHistory}) and a writer appends points of its own ({@link LedgerWriter}). Judged
 * on: the history is linearizable, a peer cut off from the majority acknowledges no write, after
 * healing every node holds every acknowledged point and all agree on one leader. The last test
 * restarts the nodes with an acknowledgement sent before commit (a planted bug) and requires the
 * checker to reject what the clients then see.
 *
 * <p>Reduced for {@code mvn verify}: each fault lasts {@code faults.seconds} (6) and the one-way
 * partitions hit the metadata leader only; {@code -Dfaults.rounds=3} (the bench's {@code faults}
 * execution) repeats the suite's faults on every peer, longer. Seeded by {@code faults.seed}: the
 * proxies' and the clients' choices repeat; the threads' timing does not.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultIT {
  private static final String KEY = "fault-it-key";
  private static final int NODES = 3;
  private static final long SEED = Long.getLong("faults.seed", 20261205L);
  private static final int FAULT_SECONDS = Integer.getInteger("faults.seconds", 6);
  private static final int ROUNDS = Integer.getInteger("faults.rounds", 1);

  @TempDir static Path dir;
  static FaultNetwork net;
  static final List<QuiverProcess> nodes = new ArrayList<>();
  static final List<Rest> clients = new ArrayList<>();
  static int nextLedgerId = 1_000;
  static int nextRegister = 1; // each history's registers are points never written before

  @BeforeAll
  static void startCluster() throws Exception {
    System.out.printf(
        Locale.ROOT,
        "fault suite: seed %d, faults of %d s, %d round(s)%n",
        SEED,
        FAULT_SECONDS,
        ROUNDS);
    TestPki pki = new TestPki(dir.resolve("pki"));
    Path ca = pki.ca("fault-ca");
    StringBuilder names = new StringBuilder("subjectAltName=DNS:localhost,IP:127.0.0.1");
    for (int i = 0; i < NODES; i++) {
      names.append(",DNS:").append(FaultNetwork.name(i));
      names.append(",IP:").append(FaultNetwork.address(i));
    }
    Path[] cert =
        pki.issue(
            "fault-ca",
            "node",
            "quiver-node",
            "rsa",
            names + "\nextendedKeyUsage=serverAuth,clientAuth\n");
    SSLContext clientTls = TlsIT.context(ca, null, null);
    List<Integer> p2pPorts = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      p2pPorts.add(QuiverProcess.freePort());
    }
    net = new FaultNetwork(dir.resolve("net"), p2pPorts, SEED);
    for (int i = 0; i < NODES; i++) {
      var env = ClusterIT.tlsEnv(p2pPorts.get(i), ca, cert);
      // a write or a read that cannot reach a majority gives up after 5 s, not a minute
      env.put("QDRANT__CLUSTER__GRPC_TIMEOUT_MS", "5000");
      env.put("QDRANT__SERVICE__API_KEY", KEY);
      var node =
          new QuiverProcess(dir.resolve("node" + i), env)
              .host(FaultNetwork.address(i))
              .javaOpts("-Djdk.net.hosts.file=" + net.hostsFile(i))
              .tls(ca)
              .args(
                  i == 0
                      ? new String[] {"--uri", net.uri(0)}
                      : new String[] {"--bootstrap", net.uri(0), "--uri", net.uri(i)});
      nodes.add(node);
      clients.add(new Rest(FaultNetwork.address(i), node.httpPort, null, clientTls, KEY));
      node.start();
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      ClusterIT.keepLogs(nodes, "fault-it-logs");
    } finally {
      net.close();
    }
  }

  static Rest rest(int node) {
    return clients.get(node);
  }

  @Test
  @Order(1)
  void theClusterFormsThroughTheRelays() throws Exception {
    Eventually.within(
        60,
        () -> {
          for (int i = 0; i < NODES; i++) {
            JsonNode c = clusterOf(i);
            assertThat(c.path("peers").size()).as("peers seen by node %d", i).isEqualTo(NODES);
            c.path("peers")
                .forEach(p -> assertThat(p.path("uri").asText()).startsWith("https://peer-"));
          }
        });
    create("registers", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"replication_factor\":3}");
    create("probe", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"replication_factor\":3}");
    create(
        "ledger",
        "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"shard_number\":2,"
            + "\"replication_factor\":3}");
  }

  /**
   * Each peer in turn hears no other and is heard by none: the others elect leaders where it led
   * and go on; it acknowledges no write while cut off.
   */
  @Test
  @Order(2)
  void aPeerCutOffFromTheOthersAcknowledgesNothingAndLosesNothing() throws Exception {
    underFaults(
        "isolation",
        history -> {
          for (int round = 0; round < ROUNDS; round++) {
            for (int k = 0; k < NODES; k++) {
              long from = System.nanoTime();
              net.isolate(k);
              var resumed = new Resumption(k, from);
              TimeUnit.SECONDS.sleep(FAULT_SECONDS);
              long to = System.nanoTime();
              net.heal();
              resumed.report("node " + k + " isolated");
              assertThat(history.acknowledgedVia(k, from, to))
                  .as("writes acknowledged by node %d while it was cut off", k)
                  .isZero();
              awaitHealed("node " + k + " isolated");
            }
          }
        });
  }

  /**
   * The metadata leader's messages are lost while it still hears the others, then the reverse: the
   * first makes the followers elect a new leader whose messages depose the old one; in the second
   * the old leader steps down and, its pre-votes answered by no one, does not disturb the others.
   */
  @Test
  @Order(3)
  void oneWayPartitionsOfALeader() throws Exception {
    underFaults(
        "one-way partitions",
        history -> {
          for (int k : targets()) {
            for (boolean outbound : new boolean[] {true, false}) {
              long from = System.nanoTime();
              for (int j = 0; j < NODES; j++) {
                if (j != k) {
                  if (outbound) {
                    net.block(k, j);
                  } else {
                    net.block(j, k);
                  }
                }
              }
              var resumed = new Resumption(k, from);
              TimeUnit.SECONDS.sleep(FAULT_SECONDS);
              net.heal();
              resumed.report("node " + k + (outbound ? " unheard" : " deaf"));
              awaitHealed("node " + k + (outbound ? " unheard" : " deaf"));
            }
          }
        });
  }

  /** Every link 25 ms late, losing 5% of its segments, at 2 MB/s: slower, still correct. */
  @Test
  @Order(4)
  void slowLossyNarrowLinks() throws Exception {
    underFaults(
        "degraded links",
        history -> {
          long from = System.nanoTime();
          net.degrade(25, 0.05, 2_000_000);
          TimeUnit.SECONDS.sleep(2L * FAULT_SECONDS * ROUNDS);
          long to = System.nanoTime();
          net.heal();
          long writes =
              history.ops.stream()
                  .filter(o -> o.kind() == Linearizability.Kind.WRITE)
                  .filter(o -> o.call() >= from && o.ret() < to)
                  .count();
          System.out.printf(Locale.ROOT, "degraded links: %d writes answered meanwhile%n", writes);
          assertThat(writes).as("writes answered over the degraded links").isPositive();
        });
  }

  /**
   * What latency between the peers costs (peers on separate hosts): for each one-way delay of every
   * link, one client writes a point at a time ({@code wait=true}) and reads it back with {@code
   * consistency=majority}, through each node in turn (so some requests start on a shard's leader
   * and some are forwarded to it). The median and 95th percentile of each are printed, reported and
   * not asserted (timings vary); every request must succeed.
   */
  @Test
  @Order(4)
  void latencyFollowsTheLinksDelay() throws Exception {
    int samples = 30 * ROUNDS;
    StringBuilder table =
        new StringBuilder(
            "link latency: | one-way delay ms | write p50 ms | write p95 ms | majority read p50 ms"
                + " | majority read p95 ms |\n");
    try {
      for (long delay : new long[] {0, 1, 5, 20}) {
        net.degrade(delay, 0, 0);
        long[] writes = new long[samples];
        long[] reads = new long[samples];
        for (int n = 0; n < samples; n++) {
          Rest via = rest(n % NODES);
          long began = System.nanoTime();
          var w =
              via.send(
                  "PUT",
                  "/collections/probe/points?wait=true",
                  "{\"points\":[{\"id\":2,\"vector\":[" + n + ",1]}]}");
          writes[n] = System.nanoTime() - began;
          assertThat(w.status()).as("write %d at %d ms: %s", n, delay, w.body()).isEqualTo(200);
          began = System.nanoTime();
          var r =
              via.send("POST", "/collections/probe/points?consistency=majority", "{\"ids\":[2]}");
          reads[n] = System.nanoTime() - began;
          assertThat(r.status()).as("read %d at %d ms: %s", n, delay, r.body()).isEqualTo(200);
        }
        table.append(
            String.format(
                Locale.ROOT,
                "link latency: | %d | %.1f | %.1f | %.1f | %.1f |%n",
                delay,
                percentile(writes, 50),
                percentile(writes, 95),
                percentile(reads, 50),
                percentile(reads, 95)));
      }
    } finally {
      net.heal();
    }
    System.out.print(table);
  }

  /** The {@code p}th percentile of {@code nanos}, in milliseconds (nearest rank). */
  private static double percentile(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }

  /**
   * The metadata leader's process stops (SIGSTOP, as a long GC pause would) long enough for the
   * others to elect a new leader, then goes on as if nothing happened: it must learn it was deposed
   * rather than act on its old term.
   */
  @Test
  @Order(5)
  void aPausedLeaderWakesUpDeposed() throws Exception {
    underFaults(
        "paused leader",
        history -> {
          for (int k : targets()) {
            boolean led = leaderIndex() == k;
            long term = clusterOf(k).path("raft_info").path("term").asLong();
            long from = System.nanoTime();
            nodes.get(k).pause();
            var resumed = new Resumption(k, from);
            try {
              TimeUnit.SECONDS.sleep(FAULT_SECONDS);
            } finally {
              nodes.get(k).resume();
            }
            resumed.report("node " + k + " paused");
            awaitHealed("node " + k + " paused");
            if (led) { // it led the metadata group: the others elected a leader in a new term
              assertThat(clusterOf(k).path("raft_info").path("term").asLong())
                  .as("the term after node %d was paused", k)
                  .isGreaterThan(term);
            }
          }
        });
  }

  /**
   * The same isolations with every node acknowledging a write as soon as it is sent (the planted
   * bug {@code quiver.testing.ackBeforeCommit}): the checker must reject the history.
   */
  @Test
  @Order(6)
  void anAcknowledgementBeforeCommitIsCaught() throws Exception {
    for (QuiverProcess node : nodes) {
      node.stop();
    }
    for (int i = 0; i < NODES; i++) {
      nodes
          .get(i)
          .javaOpts(
              "-Djdk.net.hosts.file=" + net.hostsFile(i) + " -Dquiver.testing.ackBeforeCommit=true")
          .args()
          .launch();
    }
    for (QuiverProcess node : nodes) {
      node.awaitReady(); // each needs the others for its metadata: all are launched first
    }
    awaitOneLeader();
    AtomicLong splitAcks = new AtomicLong();
    Outcome run =
        runUnderFaults(
            history -> {
              for (int k = 0; k < NODES; k++) {
                long from = System.nanoTime();
                net.isolate(k);
                TimeUnit.SECONDS.sleep(FAULT_SECONDS);
                long to = System.nanoTime();
                net.heal();
                splitAcks.addAndGet(history.acknowledgedVia(k, from, to));
                TimeUnit.SECONDS.sleep(2);
              }
            });
    awaitOneLeader();
    Set<Integer> lost = new HashSet<>();
    for (int i = 0; i < NODES; i++) {
      int node = i;
      // the scroll itself may need a moment after healing; what it finds missing stays missing
      Eventually.within(60, () -> lost.addAll(run.ledger().missingOn(node)));
    }
    System.out.printf(
        Locale.ROOT,
        "planted bug: %s; %d writes acknowledged by cut-off nodes; %d acknowledged ledger points"
            + " missing%n",
        run.verdict().verdict(),
        splitAcks.get(),
        lost.size());
    assertThat(run.verdict().verdict())
        .as("the checker's verdict with acknowledgements sent before commit")
        .isEqualTo(Linearizability.Verdict.NOT_LINEARIZABLE);
  }

  /** The peers a one-peer fault hits: the metadata leader, or every peer in a full run. */
  private static List<Integer> targets() throws Exception {
    if (ROUNDS > 1) {
      return List.of(0, 1, 2);
    }
    return List.of(leaderIndex());
  }

  /** A fault step run while the clients work; it may assert. */
  @FunctionalInterface
  interface FaultSteps {
    void run(RegisterHistory history) throws Exception;
  }

  /** What the clients saw while fault steps ran. */
  private record Outcome(
      RegisterHistory history, LedgerWriter ledger, Linearizability.Result verdict, long from) {}

  /**
   * Runs {@code steps} between two healthy stretches while register clients and a ledger writer
   * work through every node; returns the clients' record and the checker's verdict.
   */
  private static Outcome runUnderFaults(FaultSteps steps) throws Exception {
    RegisterHistory history =
        new RegisterHistory("registers", nextRegister, NODES, FaultIT::rest)
            .start(4, SEED + nextRegister);
    nextRegister += RegisterHistory.POINTS;
    LedgerWriter ledger =
        new LedgerWriter("ledger", NODES, FaultIT::rest).start(nextLedgerId, SEED);
    nextLedgerId += 1_000_000;
    long from = System.nanoTime();
    try {
      TimeUnit.SECONDS.sleep(2);
      steps.run(history);
      TimeUnit.SECONDS.sleep(2);
    } finally {
      net.heal();
      history.stop();
      ledger.stop();
    }
    return new Outcome(history, ledger, history.check(), from);
  }

  /**
   * {@link #runUnderFaults}, then requires: a linearizable history, and every acknowledged ledger
   * point on every node once healed.
   */
  private static void underFaults(String name, FaultSteps steps) throws Exception {
    Outcome run = runUnderFaults(steps);
    RegisterHistory history = run.history();
    System.out.println(name + ": " + history.summary(run.from(), run.verdict()));
    assertThat(run.verdict().verdict())
        .as(
            "%s: %d operations: %s",
            name, history.ops.size(), history.explain(run.verdict(), run.from()))
        .isEqualTo(Linearizability.Verdict.LINEARIZABLE);
    assertThat(history.count(Linearizability.Kind.READ)).as("reads").isGreaterThan(10);
    assertThat(run.ledger().acknowledged).as("acknowledged ledger points").hasSizeGreaterThan(20);
    for (int i = 0; i < NODES; i++) {
      int node = i;
      Eventually.within(
          60,
          () ->
              assertThat(run.ledger().missingOn(node))
                  .as("%s: acknowledged points node %d lacks", name, node)
                  .isEmpty());
    }
  }

  /**
   * A probe started when a fault begins: it writes and reads (with {@code consistency=majority}) a
   * point of collection {@code probe} through the nodes the fault did not hit until each has
   * succeeded once, which says how long the majority took to resume (reported, not asserted:
   * timings vary; the register clients cannot say it, they wait on the cut-off node too).
   */
  private static final class Resumption {
    private final Thread thread;
    private volatile boolean stop;
    private volatile long write = -1;
    private volatile long read = -1;

    private final Instant began = Instant.now();

    Resumption(int hit, long from) {
      this.thread =
          Thread.ofPlatform()
              .name("resumption-probe")
              .start(
                  () -> {
                    for (int n = 0; !stop && (write < 0 || read < 0) && n < 10_000; n++) {
                      Rest via = rest((hit + 1 + n % (NODES - 1)) % NODES);
                      try {
                        if (write < 0
                            && via.send(
                                        "PUT",
                                        "/collections/probe/points?wait=true",
                                        "{\"points\":[{\"id\":1,\"vector\":[1,0]}]}")
                                    .status()
                                == 200) {
                          write = System.nanoTime() - from;
                        }
                        if (read < 0
                            && via.send(
                                        "POST",
                                        "/collections/probe/points?consistency=majority",
                                        "{\"ids\":[1]}")
                                    .status()
                                == 200) {
                          read = System.nanoTime() - from;
                        }
                        TimeUnit.MILLISECONDS.sleep(50);
                      } catch (Exception e) {
                        // not yet: try again
                      }
                    }
                  });
    }

    /** Stops the probe (at the end of the fault) and prints what it found. */
    void report(String fault) throws InterruptedException {
      stop = true;
      thread.join(60_000);
      System.out.printf(
          Locale.ROOT,
          "%s (at %s): the other nodes answered a write %s and a majority read %s after the fault"
              + " began%n",
          fault,
          began,
          seconds(write),
          seconds(read));
    }

    private static String seconds(long nanos) {
      return nanos < 0 ? "not during the fault" : String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
  }

  /**
   * Waits (120 s at most) until the cluster has recovered from the fault that just ended: one
   * leader, and every replica of every collection {@code Active} as every node reports it (the
   * leaders' appends reach every follower again); prints how long that took, so that the next fault
   * hits a healthy cluster and the time to recover is on record (reported, not asserted).
   */
  private static void awaitHealed(String fault) throws Exception {
    long healed = System.nanoTime();
    awaitOneLeader();
    Eventually.within(
        120,
        () -> {
          for (String collection : List.of("registers", "ledger", "probe")) {
            for (int i = 0; i < NODES; i++) {
              var a = rest(i).send("GET", "/collections/" + collection + "/cluster", null);
              assertThat(a.status()).as(a.body()).isEqualTo(200);
              List<String> states = new ArrayList<>();
              a.result().path("local_shards").forEach(x -> states.add(x.path("state").asText()));
              a.result().path("remote_shards").forEach(x -> states.add(x.path("state").asText()));
              assertThat(states)
                  .as("%s replicas seen by node %d", collection, i)
                  .containsOnly("Active");
            }
          }
        });
    System.out.printf(
        Locale.ROOT,
        "%s: every replica active again %.1f s after healing%n",
        fault,
        (System.nanoTime() - healed) / 1e9);
  }

  /** Every node reports the same metadata leader and term. */
  private static void awaitOneLeader() throws Exception {
    Eventually.within(
        60,
        () -> {
          Set<String> views = new HashSet<>();
          for (int i = 0; i < NODES; i++) {
            JsonNode raft = clusterOf(i).path("raft_info");
            assertThat(raft.path("leader").isNull()).as("node %d knows a leader", i).isFalse();
            views.add(raft.path("leader").asLong() + "@" + raft.path("term").asLong());
          }
          assertThat(views).as("leader@term as each node sees it").hasSize(1);
        });
  }

  private static int leaderIndex() throws Exception {
    long leader = clusterOf(0).path("raft_info").path("leader").asLong();
    for (int i = 0; i < NODES; i++) {
      if (clusterOf(i).path("peer_id").asLong() == leader) {
        return i;
      }
    }
    throw new AssertionError("leader " + leader + " is none of the nodes");
  }

  private static JsonNode clusterOf(int node) throws Exception {
    var a = rest(node).send("GET", "/cluster", null);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    return a.result();
  }

  private static void create(String name, String body) throws Exception {
    var created = rest(0).send("PUT", "/collections/" + name, body);
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    for (int i = 0; i < NODES; i++) {
      int node = i;
      Eventually.within(
          20,
          () ->
              assertThat(rest(node).send("GET", "/collections/" + name, null).status())
                  .isEqualTo(200));
    }
  }
}
