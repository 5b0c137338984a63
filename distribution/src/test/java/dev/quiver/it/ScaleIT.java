package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five packaged peers on 127.0.0.21-25 over mutual TLS holding many collections of three shards
 * with three replicas each (every shard its own Raft group on three of the five peers): the
 * collections are created through every peer, every replica becomes {@code Active}, and the cluster
 * stays so idle and under writes spread over all collections and peers, with every acknowledged
 * write counted on every peer. Each peer's CPU (from {@code /proc}, as a share of one core, with
 * the share of it its JIT compiler threads used: the peers are minutes old, so C2 is still
 * compiling their paths), resident memory and threads are reported idle and under load, into {@code
 * target/scale-it.txt}.
 *
 * <p>The CI run holds {@code scale.collections} (8) collections for {@code scale.seconds} (10 s) a
 * phase; {@code ./mvnw -pl bench exec:exec@scale} runs 50 collections for 30 s a phase. Timings are
 * reported, never asserted.
 */
class ScaleIT {
  private static final String KEY = "scale-it-key";
  private static final int NODES = 5;
  private static final int COLLECTIONS = Integer.getInteger("scale.collections", 8);
  private static final int SECONDS = Integer.getInteger("scale.seconds", 10);
  private static final int WRITERS = 8;
  private static final int BATCH = 16;
  private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

  @TempDir static Path dir;
  static final List<QuiverProcess> nodes = new ArrayList<>();
  static final List<Rest> clients = new ArrayList<>();

  static String address(int node) {
    return "127.0.0." + (21 + node);
  }

  @BeforeAll
  static void startCluster() throws Exception {
    TestPki pki = new TestPki(dir.resolve("pki"));
    Path ca = pki.ca("scale-ca");
    StringBuilder names = new StringBuilder("subjectAltName=DNS:localhost,IP:127.0.0.1");
    for (int i = 0; i < NODES; i++) {
      names.append(",IP:").append(address(i));
    }
    Path[] cert =
        pki.issue(
            "scale-ca",
            "node",
            "quiver-node",
            "rsa",
            names + "\nextendedKeyUsage=serverAuth,clientAuth\n");
    SSLContext clientTls = TlsIT.context(ca, null, null);
    for (int i = 0; i < NODES; i++) {
      int p2p = QuiverProcess.freePort();
      var env = ClusterIT.tlsEnv(p2p, ca, cert);
      env.put("QDRANT__SERVICE__API_KEY", KEY);
      String uri = "https://" + address(i) + ":" + p2p;
      var node =
          new QuiverProcess(dir.resolve("node" + i), env)
              .host(address(i))
              // what is measured is the node, not Netty's leak tracking of every buffer
              .javaOpts("-Dio.netty.leakDetection.level=disabled")
              .tls(ca)
              .args(
                  i == 0
                      ? new String[] {"--uri", uri}
                      : new String[] {"--bootstrap", bootstrap, "--uri", uri});
      if (i == 0) {
        bootstrap = uri;
      }
      nodes.add(node);
      clients.add(new Rest(address(i), node.httpPort, null, clientTls, KEY));
      node.start();
    }
  }

  private static String bootstrap;

  @AfterAll
  static void stopCluster() throws Exception {
    ClusterIT.keepLogs(nodes, "scale-it-logs");
  }

  @Test
  void manyReplicatedCollectionsStayHealthyIdleAndUnderWrites() throws Exception {
    Eventually.within(
        60,
        () -> {
          for (int i = 0; i < NODES; i++) {
            var c = clients.get(i).send("GET", "/cluster", null);
            assertThat(c.result().path("peers").size()).as("peers seen by %d", i).isEqualTo(NODES);
          }
        });
    List<String> report = new ArrayList<>();
    long began = System.nanoTime();
    for (int c = 0; c < COLLECTIONS; c++) {
      var created =
          clients
              .get(c % NODES)
              .send(
                  "PUT",
                  "/collections/c" + c,
                  "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},\"shard_number\":3,"
                      + "\"replication_factor\":3}");
      assertThat(created.status()).as(created.body()).isEqualTo(200);
    }
    double created = seconds(began);
    Eventually.within(60 + COLLECTIONS * 3, ScaleIT::everyReplicaActive);
    report.add(
        String.format(
            Locale.ROOT,
            "%d peers, %d collections x 3 shards x 3 replicas (%d shard groups): created in %.1f s,"
                + " every replica Active after %.1f s",
            NODES,
            COLLECTIONS,
            COLLECTIONS * 3,
            created,
            seconds(began)));

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger failed = new AtomicInteger();
    AtomicLong written = new AtomicLong();
    AtomicInteger retried = new AtomicInteger();
    List<String> problems = new ArrayList<>();
    Map<Integer, AtomicLong> acknowledged = new ConcurrentHashMap<>();
    AtomicLong ids = new AtomicLong();
    List<Thread> writers = new ArrayList<>();
    Runnable load =
        () -> {
          for (int w = 0; w < WRITERS; w++) {
            long seed = w;
            writers.add(
                Thread.ofPlatform()
                    .start(
                        () -> {
                          SplittableRandom random = new SplittableRandom(seed);
                          while (!stop.get()) {
                            int c = random.nextInt(COLLECTIONS);
                            StringBuilder body = new StringBuilder("{\"points\":[");
                            for (int k = 0; k < BATCH; k++) {
                              body.append(k == 0 ? "" : ",")
                                  .append("{\"id\":")
                                  .append(ids.incrementAndGet())
                                  .append(",\"vector\":[1,0,0,")
                                  .append(k)
                                  .append("]}");
                            }
                            String json = body.append("]}").toString();
                            try {
                              // as a client does: a 503 (a shard's leader changing, as the
                              // leaders settle on their preferred peers) is sent again, the same
                              // points, so it cannot count twice
                              var a = upsert(c, json, random);
                              for (int retry = 0; a.status() == 503 && retry < 3; retry++) {
                                retried.incrementAndGet();
                                Thread.sleep(200);
                                a = upsert(c, json, random);
                              }
                              if (a.status() == 200) {
                                acknowledged
                                    .computeIfAbsent(c, x -> new AtomicLong())
                                    .addAndGet(BATCH);
                                written.addAndGet(BATCH);
                              } else {
                                fail(failed, problems, a.status() + " " + a.body());
                              }
                            } catch (Exception e) {
                              fail(failed, problems, e.toString());
                            }
                          }
                        }));
          }
        };
    long loadBegan = System.nanoTime();
    Map<Integer, long[]> loaded = measure(SECONDS, load);
    double loadSeconds = seconds(loadBegan);
    stop.set(true);
    for (Thread t : writers) {
      t.join(60_000);
    }
    assertThat(failed.get()).as("failed writes, latest: %s", problems).isZero();
    assertThat(written.get()).as("writes went through").isPositive();
    Eventually.within(60, ScaleIT::everyReplicaActive);
    // idle once the writes have warmed every peer up: what holding the replicas costs
    Map<Integer, long[]> idle = measure(SECONDS, () -> {});
    everyReplicaActive();
    report.add(
        String.format(
            Locale.ROOT,
            "writes: %d writers, batches of %d points, wait=true, to random collections through"
                + " random peers: %d points in %.1f s (%.0f points/s), %d answered 503 and sent"
                + " again, %d failed",
            WRITERS,
            BATCH,
            written.get(),
            loadSeconds,
            written.get() / loadSeconds,
            retried.get(),
            failed.get()));
    report.add(
        "| peer | CPU under writes (% of a core) | of it JIT compilers | CPU idle after | of it JIT"
            + " compilers | RSS MB | threads |");
    report.add("|---|---:|---:|---:|---:|---:|---:|");
    for (int i = 0; i < NODES; i++) {
      report.add(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %.1f | %.1f | %.1f | %d | %d |",
              address(i),
              100.0 * loaded.get(i)[0] / CLOCK_TICKS / loadSeconds,
              100.0 * loaded.get(i)[3] / CLOCK_TICKS / loadSeconds,
              100.0 * idle.get(i)[0] / CLOCK_TICKS / SECONDS,
              100.0 * idle.get(i)[3] / CLOCK_TICKS / SECONDS,
              loaded.get(i)[1] / 1024,
              loaded.get(i)[2]));
    }
    Files.write(Path.of("target", "scale-it.txt"), report);
    report.forEach(System.out::println);
    // every acknowledged point is on every peer (each holds three shards' replicas of some
    // collections; the counts are exact reads through each peer)
    Eventually.within(
        60,
        () -> {
          for (int c = 0; c < COLLECTIONS; c++) {
            long expected = acknowledged.getOrDefault(c, new AtomicLong()).get();
            for (int i = 0; i < NODES; i++) {
              var n =
                  clients
                      .get(i)
                      .send("POST", "/collections/c" + c + "/points/count", "{\"exact\":true}");
              assertThat(n.result().path("count").asLong())
                  .as("points of c%d counted through %s", c, address(i))
                  .isEqualTo(expected);
            }
          }
        });
  }

  private static Rest.Answer upsert(int collection, String json, SplittableRandom random)
      throws Exception {
    return clients
        .get(random.nextInt(NODES))
        .send("PUT", "/collections/c" + collection + "/points?wait=true", json);
  }

  private static synchronized void fail(AtomicInteger failed, List<String> problems, String why) {
    failed.incrementAndGet();
    problems.add(why);
    if (problems.size() > 5) {
      problems.removeFirst();
    }
  }

  /**
   * Every replica of every collection, as each peer reports it, is Active (nine per collection).
   */
  private static void everyReplicaActive() throws Exception {
    for (int c = 0; c < COLLECTIONS; c++) {
      for (int i = 0; i < NODES; i++) {
        var a = clients.get(i).send("GET", "/collections/c" + c + "/cluster", null);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        List<String> states = new ArrayList<>();
        for (String part : List.of("local_shards", "remote_shards")) {
          for (JsonNode s : a.result().path(part)) {
            states.add(s.path("state").asText());
          }
        }
        assertThat(states)
            .as("replicas of c%d as %s reports them", c, address(i))
            .hasSize(9)
            .containsOnly("Active");
      }
    }
  }

  /**
   * Runs {@code during}, then for {@code seconds} measures each peer: CPU ticks used, of them those
   * of its JIT compiler threads, and at the end its resident KB and threads.
   */
  private static Map<Integer, long[]> measure(int seconds, Runnable during) throws Exception {
    long[] before = new long[NODES];
    List<Map<Long, Long>> compilersBefore = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      before[i] = cpuTicks(nodes.get(i).pid());
      compilersBefore.add(compilerTicks(nodes.get(i).pid()));
    }
    during.run();
    Thread.sleep(seconds * 1000L);
    Map<Integer, long[]> out = new ConcurrentHashMap<>();
    for (int i = 0; i < NODES; i++) {
      long pid = nodes.get(i).pid();
      long compilers = 0;
      for (var t : compilerTicks(pid).entrySet()) {
        compilers += t.getValue() - compilersBefore.get(i).getOrDefault(t.getKey(), 0L);
      }
      out.put(
          i,
          new long[] {
            cpuTicks(pid) - before[i], status(pid, "VmRSS:"), status(pid, "Threads:"), compilers
          });
    }
    return out;
  }

  /** User plus system CPU ticks of process {@code pid} ({@code /proc/<pid>/stat}). */
  private static long cpuTicks(long pid) throws IOException {
    return ticks(Path.of("/proc", Long.toString(pid), "stat"));
  }

  /** User plus system CPU ticks from a {@code stat} file of a process or of one of its threads. */
  private static long ticks(Path stat) throws IOException {
    String line = Files.readString(stat);
    // the command may hold spaces: the fields after it start past the last ')'
    String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
  }

  /**
   * CPU ticks of each JIT compiler thread of process {@code pid} now, by thread id (HotSpot names
   * them {@code C1 CompilerThreadN} and {@code C2 CompilerThreadN}). A compiler thread that exits
   * between two readings takes its ticks with it, so a difference can only undercount them.
   */
  private static Map<Long, Long> compilerTicks(long pid) throws IOException {
    Map<Long, Long> out = new ConcurrentHashMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (var threads = Files.list(tasks)) {
      for (Path t : threads.toList()) {
        try {
          String name = Files.readString(t.resolve("comm")).strip();
          if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
            out.put(Long.parseLong(t.getFileName().toString()), ticks(t.resolve("stat")));
          }
        } catch (IOException gone) {
          // the thread ended while listed
        }
      }
    }
    return out;
  }

  /** A number from {@code /proc/<pid>/status} ({@code VmRSS:} in KB, {@code Threads:}). */
  private static long status(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
      }
    }
    return -1;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
