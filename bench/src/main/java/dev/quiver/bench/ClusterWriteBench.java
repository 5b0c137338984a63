package dev.quiver.bench;

import dev.quiver.server.Node;
import dev.quiver.server.config.ConfigLoader;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.ValueFactory;
import io.qdrant.client.grpc.Points;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Batch upsert throughput (256 points of 384 dimensions per request, {@code wait=true}) through
 * REST, for a single node and for a three-node cluster (all nodes in this JVM on 127.0.0.1, so they
 * share the machine's cores; the peers talk over mutual TLS unless {@code -Dbench.p2p.tls=false}):
 * {@code shard_number} 3 with {@code replication_factor} 1, and with {@code replication_factor} 3.
 * Clients spread requests over the cluster's nodes. Vectors come from {@code minilm-384/base.fvecs}
 * when the data set is there (random otherwise). A last replicated run stops the founding node (a
 * shard leader and the metadata leader) half-way through and reports the longest stretch without an
 * acknowledged write after that as the fail-over time. Every case runs once unreported first
 * ({@code -Dbench.cluster.warmup.seconds}, as long as a round by default: three peers' Raft and
 * gRPC paths are still being compiled by the JIT a minute in, and a case measured cold read half
 * its warm figure), then the cases run in turn for {@code -Dbench.cluster.rounds} rounds (2).
 * Prints a markdown table: each case's points over all its rounds, each round's figure, the ratio
 * against the single node from the sums, and how many JIT compiler threads were compiling on
 * average while the case was measured (the JVM's accumulated compile time: work that shared the
 * cores with the load, as a long-running node's would not). The {@code rf3-reads} case (run alone
 * when named in {@code -Dbench.cases}) reads instead: point lookups with the default consistency
 * against {@code consistency=majority}, in alternating rounds.
 *
 * <p>{@code ./mvnw -q -pl bench exec:exec@cluster-write [-Dbench.cluster.seconds=15
 * -Dbench.clients=8]}
 */
public final class ClusterWriteBench {
  private static final int DIM = 384;
  private static final int BATCH = 256;
  private static final String VECTORS = "{\"size\":384,\"distance\":\"Cosine\"}";

  /** Qdrant's bulk-load setting: no graph is built while the points stream in. */
  private static final String BULK = ",\"optimizers_config\":{\"indexing_threshold\":0}";

  /**
   * A case's measurement: {@code latencies} sorted, in nanoseconds; {@code compiling} the seconds
   * the JIT compiler threads spent compiling meanwhile (summed over the threads); {@code rounds}
   * each round's points/s when merged from several.
   */
  private record Result(
      String name,
      boolean bulk,
      long points,
      double seconds,
      List<Long> latencies,
      long failures,
      Double failover,
      double compiling,
      String rounds) {
    double pointsPerSecond() {
      return points / seconds;
    }

    /** How many compiler threads were compiling on average: JIT work the measured load shared. */
    double compilersBusy() {
      return compiling / seconds;
    }

    double p50() {
      return latencies.isEmpty() ? 0 : latencies.get(latencies.size() / 2) / 1e6;
    }

    double p99() {
      return latencies.isEmpty() ? 0 : latencies.get((int) (latencies.size() * 0.99)) / 1e6;
    }
  }

  private static float[][] data; // null: random vectors

  /**
   * {@code -Dbench.api=grpc} sends the batches through the official Java client (protobuf, binary
   * floats) instead of REST JSON; the gRPC port of each node is found by its REST port here.
   */
  /** Shards of the cluster cases ({@code -Dbench.shards}, default one per node as in Qdrant). */
  private static final int SHARDS = Integer.getInteger("bench.shards", 3);

  /** {@code -Dbench.segment.kb}: the Raft log segment size of the cluster cases (default 8192). */
  private static final String SEGMENT_KB = System.getProperty("bench.segment.kb");

  private static final boolean GRPC = "grpc".equals(System.getProperty("bench.api", "rest"));

  /**
   * {@code -Dbench.p2p.tls} (default true): the cluster's peers talk over mutual TLS, as a deployed
   * cluster must; false runs them in plain text. Clients talk plain text to every node either way.
   */
  private static final boolean P2P_TLS =
      Boolean.parseBoolean(System.getProperty("bench.p2p.tls", "true"));

  /** The peers' certificates when {@link #P2P_TLS}: made once per run. */
  private static Path tls;

  private static final Map<Integer, Integer> GRPC_PORTS = new ConcurrentHashMap<>();

  /** The JIT's accumulated compile time: how much compiling the measured load shared cores with. */
  private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    Path base = args.length > 3 ? Path.of(args[2]).resolve(args[3]).resolve("base.fvecs") : null;
    if (base != null && Files.exists(base)) {
      data = AnnBench.fvecs(base);
      System.out.printf(Locale.ROOT, "vectors from %s (%d)%n", base, data.length);
    } else {
      System.out.println("no data set found; random vectors");
    }
    Path dir = Scratch.dir("quiver-cluster-bench");
    if (P2P_TLS) {
      tls = Files.createDirectories(dir.resolve("tls"));
      TlsCostBench.makeCertificates(tls);
    }
    // -Dbench.cases=single,rf3-bulk,... runs a subset (for profiling one case)
    List<String> cases =
        List.of(
            System.getProperty(
                    "bench.cases",
                    "single,rf1,rf3,rf3-failover,single-bulk,rf3-bulk,rf3-bulk-failover")
                .split(","));
    if (cases.contains("rf3-reads")) {
      runCluster(dir.resolve("rf3-reads"), 3, seconds, clients, false, false, true);
      System.exit(0);
    }
    // every case once, short and not reported: the JIT compiles each path (the cluster's Raft
    // paths, the graph builders) before any round is measured, whichever case comes first
    int warmup = Integer.getInteger("bench.cluster.warmup.seconds", seconds);
    if (warmup > 0) {
      for (String c : cases) {
        runCase(c, dir.resolve("warmup-" + c), warmup, clients);
      }
    }
    int rounds = Math.max(1, Integer.getInteger("bench.cluster.rounds", 2));
    Map<String, List<Result>> measured = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (String c : cases) {
        measured
            .computeIfAbsent(c, k -> new ArrayList<>())
            .add(runCase(c, dir.resolve(c + "-" + round), seconds, clients));
      }
    }
    List<Result> results = measured.values().stream().map(ClusterWriteBench::merge).toList();
    System.out.printf(
        Locale.ROOT,
        "%n| case (%s, P2P %s, %d clients, %d x %d-d points, wait=true, %d rounds of %d s) | points/s"
            + " | ratio | rounds | p50 ms | p99 ms | failed requests | fail-over s | JIT busy |%n",
        GRPC ? "gRPC" : "REST",
        P2P_TLS ? "mutual TLS" : "plain text",
        clients,
        BATCH,
        DIM,
        rounds,
        seconds);
    System.out.println("|---|---:|---:|---|---:|---:|---:|---:|---:|");
    for (Result r : results) {
      // each case against the single node with the same indexing setting, measured in the same
      // rounds: the ratio of the sums
      double single =
          results.stream()
              .filter(x -> x.bulk() == r.bulk() && x.name().startsWith("single"))
              .findFirst()
              .map(Result::pointsPerSecond)
              .orElse(Double.NaN);
      System.out.printf(
          Locale.ROOT,
          "| %s | %.0f | %.2fx | %s | %.1f | %.1f | %d | %s | %.2f |%n",
          r.name(),
          r.pointsPerSecond(),
          r.pointsPerSecond() / single,
          r.rounds(),
          r.p50(),
          r.p99(),
          r.failures(),
          r.failover() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.failover()),
          r.compilersBusy());
    }
    System.exit(0);
  }

  /**
   * Runs the case named {@code name} (see {@code bench.cases}) for {@code seconds}, then deletes
   * what it wrote (unless {@code bench.keep}): a case's gigabytes left in the page cache would be
   * written back while the next case runs, and whichever case came later would pay for them.
   */
  private static Result runCase(String name, Path dir, int seconds, int clients) throws Exception {
    try {
      return measureCase(name, dir, seconds, clients);
    } finally {
      if (!Boolean.getBoolean("bench.keep")) {
        Scratch.delete(dir);
      }
    }
  }

  private static Result measureCase(String name, Path dir, int seconds, int clients)
      throws Exception {
    return switch (name) {
      case "single" -> runSingle(dir, seconds, clients, false);
      case "rf1" -> runCluster(dir, 1, seconds, clients, false, false);
      case "rf3" -> runCluster(dir, 3, seconds, clients, false, false);
      case "rf3-failover" -> runCluster(dir, 3, seconds, clients, true, false);
      case "single-bulk" -> runSingle(dir, seconds, clients, true);
      case "rf3-bulk" -> runCluster(dir, 3, seconds, clients, false, true);
      case "rf3-bulk-failover" -> runCluster(dir, 3, seconds, clients, true, true);
      default -> throw new IllegalArgumentException("unknown case " + name);
    };
  }

  /**
   * One case's rounds as one result: the points of all rounds over their time, the percentiles of
   * all latencies, the longest fail-over.
   */
  private static Result merge(List<Result> rounds) {
    Result first = rounds.getFirst();
    long points = rounds.stream().mapToLong(Result::points).sum();
    double seconds = rounds.stream().mapToDouble(Result::seconds).sum();
    List<Long> latencies = new ArrayList<>();
    rounds.forEach(r -> latencies.addAll(r.latencies()));
    latencies.sort(null);
    Double failover =
        rounds.stream()
            .map(Result::failover)
            .filter(f -> f != null)
            .max(Double::compare)
            .orElse(null);
    return new Result(
        first.name(),
        first.bulk(),
        points,
        seconds,
        latencies,
        rounds.stream().mapToLong(Result::failures).sum(),
        failover,
        rounds.stream().mapToDouble(Result::compiling).sum(),
        String.join(
            " / ",
            rounds.stream()
                .map(r -> String.format(Locale.ROOT, "%.0f", r.pointsPerSecond()))
                .toList()));
  }

  private static int freePort() {
    return InJvmCluster.freePort();
  }

  private static Map<String, String> env(Path dir, int http, int grpc) {
    GRPC_PORTS.put(http, grpc);
    return LoadServer.nodeEnv(dir, http, grpc);
  }

  private static Result runSingle(Path dir, int seconds, int clients, boolean bulk)
      throws Exception {
    Files.createDirectories(dir);
    int http = freePort();
    Node node = Node.start(new ConfigLoader().load(dir, null, env(dir, http, freePort())).config());
    try {
      return drive(
          "single node" + (bulk ? ", indexing off (bulk load)" : ""),
          bulk,
          new CopyOnWriteArrayList<>(List.of(http)),
          "{\"vectors\":" + VECTORS + (bulk ? BULK : "") + "}",
          seconds,
          clients,
          null);
    } finally {
      node.close();
    }
  }

  private static Result runCluster(
      Path dir, int rf, int seconds, int clients, boolean failover, boolean bulk) throws Exception {
    return runCluster(dir, rf, seconds, clients, failover, bulk, false);
  }

  /** A three-node cluster driven by writes, or ({@code reads}) by reads of each consistency. */
  private static Result runCluster(
      Path dir, int rf, int seconds, int clients, boolean failover, boolean bulk, boolean reads)
      throws Exception {
    try (InJvmCluster cluster =
        InJvmCluster.start(
            dir,
            3,
            tls,
            (d, http) -> {
              Map<String, String> env = env(d, http, freePort());
              if (SEGMENT_KB != null) {
                env.put("QDRANT__CLUSTER__CONSENSUS__LOG_SEGMENT_KB", SEGMENT_KB);
              }
              return env;
            })) {
      List<Node> nodes = cluster.nodes;
      List<Integer> https = cluster.httpPorts;
      Thread.sleep(2000);
      if (reads) {
        driveReads(
            https,
            "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},\"shard_number\":"
                + SHARDS
                + ",\"replication_factor\":"
                + rf
                + "}",
            seconds,
            clients);
        return null;
      }
      List<Integer> targets = new CopyOnWriteArrayList<>(https);
      Runnable stop = null;
      if (failover) {
        Node victim = nodes.getFirst();
        Integer victimPort = https.getFirst();
        stop =
            () -> {
              targets.remove(victimPort);
              victim.close();
            };
      }
      return drive(
          "3 nodes, shard_number "
              + SHARDS
              + ", replication_factor "
              + rf
              + (bulk ? ", indexing off (bulk load)" : "")
              + (failover ? ", founding node stopped mid-run" : ""),
          bulk,
          targets,
          "{\"vectors\":"
              + VECTORS
              + ",\"shard_number\":"
              + SHARDS
              + ",\"replication_factor\":"
              + rf
              + (bulk ? BULK : "")
              + "}",
          seconds,
          clients,
          stop);
    }
  }

  private static Result drive(
      String name,
      boolean bulk,
      List<Integer> ports,
      String create,
      int seconds,
      int clients,
      Runnable midRun)
      throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    var created =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ports.getFirst() + "/collections/bench"))
                .PUT(HttpRequest.BodyPublishers.ofString(create))
                .header("content-type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() != 200) {
      throw new IllegalStateException("create failed: " + created.body());
    }
    Thread.sleep(1000);
    AtomicLong nextId = new AtomicLong();
    AtomicLong points = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    List<Long> acks = Collections.synchronizedList(new ArrayList<>());
    Map<Integer, QdrantClient> grpc = new HashMap<>();
    if (GRPC) {
      for (int port : ports) {
        grpc.put(
            port,
            new QdrantClient(
                QdrantGrpcClient.newBuilder("127.0.0.1", GRPC_PORTS.get(port), false).build()));
      }
    }
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      int client = c;
      Thread.ofPlatform()
          .start(
              () -> {
                Random random = new Random(client);
                int k = client;
                try {
                  while (!stop.get()) {
                    List<Integer> now = List.copyOf(ports);
                    int port = now.get(k++ % now.size());
                    if (GRPC) {
                      var request = grpcBatch(random, nextId);
                      long t0 = System.nanoTime();
                      try {
                        grpc.get(port).upsertAsync(request).get(60, TimeUnit.SECONDS);
                        long t1 = System.nanoTime();
                        if (measuring.get()) {
                          points.addAndGet(BATCH);
                          latencies.add(t1 - t0);
                          acks.add(t1);
                        }
                      } catch (ExecutionException | TimeoutException e) {
                        failures.incrementAndGet(); // the node went away: the next goes on
                      }
                      continue;
                    }
                    String body = batch(random, nextId);
                    long t0 = System.nanoTime();
                    try {
                      var r =
                          http.send(
                              HttpRequest.newBuilder(
                                      URI.create(
                                          "http://127.0.0.1:"
                                              + port
                                              + "/collections/bench/points?wait=true"))
                                  .PUT(HttpRequest.BodyPublishers.ofString(body))
                                  .header("content-type", "application/json")
                                  .timeout(Duration.ofSeconds(60))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString());
                      long t1 = System.nanoTime();
                      if (r.statusCode() != 200) {
                        failures.incrementAndGet();
                      } else if (measuring.get()) {
                        points.addAndGet(BATCH);
                        latencies.add(t1 - t0);
                        acks.add(t1);
                      }
                    } catch (IOException e) {
                      failures.incrementAndGet(); // the node went away: the next request goes on
                    }
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  done.countDown();
                }
              });
    }
    Thread.sleep(Math.max(3000, seconds * 300L)); // warm-up (JIT, first segments)
    measuring.set(true);
    long start = System.nanoTime();
    long compiledBefore = JIT.getTotalCompilationTime();
    long stoppedAt = 0;
    if (midRun != null) {
      Thread.sleep(seconds * 500L);
      stoppedAt = System.nanoTime();
      midRun.run();
      Thread.sleep(seconds * 500L);
    } else {
      Thread.sleep(seconds * 1000L);
    }
    measuring.set(false);
    long elapsed = System.nanoTime() - start;
    double compiling = (JIT.getTotalCompilationTime() - compiledBefore) / 1e3;
    stop.set(true);
    done.await();
    grpc.values().forEach(QdrantClient::close);
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(null);
    Double failover = null;
    if (midRun != null) {
      List<Long> after = new ArrayList<>();
      after.add(stoppedAt);
      for (long t : List.copyOf(acks)) {
        if (t >= stoppedAt) {
          after.add(t);
        }
      }
      after.sort(null);
      after.add(start + elapsed);
      long gap = 0;
      for (int i = 1; i < after.size(); i++) {
        gap = Math.max(gap, after.get(i) - after.get(i - 1));
      }
      failover = gap / 1e9;
    }
    Result r =
        new Result(
            name,
            bulk,
            points.get(),
            elapsed / 1e9,
            sorted,
            failures.get(),
            failover,
            compiling,
            String.format(Locale.ROOT, "%.0f", points.get() / (elapsed / 1e9)));
    System.out.printf(
        Locale.ROOT,
        "%s: %.0f points/s (p50 %.1f ms, p99 %.1f ms, %d failed requests%s, JIT busy %.2f)%n",
        name,
        r.pointsPerSecond(),
        r.p50(),
        r.p99(),
        failures.get(),
        failover == null ? "" : String.format(Locale.ROOT, ", fail-over %.1f s", failover),
        r.compilersBusy());
    return r;
  }

  /**
   * Reads of 10 points by id ({@code POST /collections/{c}/points}) from {@code clients} threads
   * spread over the nodes, with the default consistency and with {@code consistency=majority} in
   * six alternating rounds of {@code seconds} each; prints each round's requests/s and the ratio of
   * the sums (what a majority read costs against a read of one replica).
   */
  private static void driveReads(List<Integer> ports, String create, int seconds, int clients)
      throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    String base = "http://127.0.0.1:" + ports.getFirst() + "/collections/bench";
    send(http, "PUT", base, create);
    Thread.sleep(1000);
    int points = 1024;
    StringBuilder load = new StringBuilder("{\"points\":[");
    for (int i = 0; i < points; i++) {
      load.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"vector\":[1,2,3,4]}");
    }
    send(http, "PUT", base + "/points?wait=true", load.append("]}").toString());
    double[] sums = new double[2];
    for (int round = 0; round < 6; round++) {
      boolean majority = round % 2 == 1;
      long seed = round;
      AtomicLong done = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch finished = new CountDownLatch(clients);
      long start = System.nanoTime();
      for (int c = 0; c < clients; c++) {
        int client = c;
        Thread.ofPlatform()
            .start(
                () -> {
                  Random random = new Random(client * 31L + seed);
                  int k = client;
                  try {
                    while (!stop.get()) {
                      int port = ports.get(k++ % ports.size());
                      StringBuilder ids = new StringBuilder("{\"ids\":[");
                      for (int i = 0; i < 10; i++) {
                        ids.append(i == 0 ? "" : ",").append(random.nextInt(points));
                      }
                      var r =
                          http.send(
                              HttpRequest.newBuilder(
                                      URI.create(
                                          "http://127.0.0.1:"
                                              + port
                                              + "/collections/bench/points"
                                              + (majority ? "?consistency=majority" : "")))
                                  .POST(HttpRequest.BodyPublishers.ofString(ids + "]}"))
                                  .header("content-type", "application/json")
                                  .timeout(Duration.ofSeconds(30))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString());
                      (r.statusCode() == 200 ? done : failed).incrementAndGet();
                    }
                  } catch (IOException e) {
                    failed.incrementAndGet();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    finished.countDown();
                  }
                });
      }
      Thread.sleep(seconds * 1000L);
      stop.set(true);
      finished.await();
      double rate = done.get() / ((System.nanoTime() - start) / 1e9);
      if (round > 1) { // the first pair warms up
        sums[majority ? 1 : 0] += rate;
      }
      System.out.printf(
          Locale.ROOT,
          "reads round %d, %s: %.0f requests/s (%d failed)%n",
          round,
          majority ? "consistency=majority" : "default consistency",
          rate,
          failed.get());
    }
    System.out.printf(
        Locale.ROOT,
        "majority / default consistency, rounds 2-5: %.2f (%.0f vs %.0f requests/s summed)%n",
        sums[1] / sums[0],
        sums[1],
        sums[0]);
  }

  private static void send(HttpClient http, String method, String uri, String body)
      throws Exception {
    var r =
        http.send(
            HttpRequest.newBuilder(URI.create(uri))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(method + " " + uri + " failed: " + r.body());
    }
  }

  private static Points.UpsertPoints grpcBatch(Random random, AtomicLong nextId) {
    var b = Points.UpsertPoints.newBuilder().setCollectionName("bench").setWait(true);
    for (int i = 0; i < BATCH; i++) {
      long id = nextId.getAndIncrement();
      float[] v = data == null ? null : data[(int) (id % data.length)];
      var dense = Points.DenseVector.newBuilder();
      for (int d = 0; d < DIM; d++) {
        dense.addData(v == null ? random.nextFloat() - 0.5f : v[d]);
      }
      b.addPoints(
          Points.PointStruct.newBuilder()
              .setId(PointIdFactory.id(id))
              .setVectors(
                  Points.Vectors.newBuilder().setVector(Points.Vector.newBuilder().setDense(dense)))
              .putPayload("n", ValueFactory.value(i)));
    }
    return b.build();
  }

  private static String batch(Random random, AtomicLong nextId) {
    StringBuilder b = new StringBuilder(BATCH * DIM * 12);
    b.append("{\"points\":[");
    for (int i = 0; i < BATCH; i++) {
      if (i > 0) {
        b.append(',');
      }
      long id = nextId.getAndIncrement();
      float[] v = data == null ? null : data[(int) (id % data.length)];
      b.append("{\"id\":").append(id).append(",\"vector\":[");
      for (int d = 0; d < DIM; d++) {
        if (d > 0) {
          b.append(',');
        }
        b.append(v == null ? random.nextFloat() - 0.5f : v[d]);
      }
      b.append("],\"payload\":{\"n\":").append(i).append("}}");
    }
    return b.append("]}").toString();
  }
}
