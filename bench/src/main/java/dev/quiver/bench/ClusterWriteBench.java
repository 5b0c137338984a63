package dev.quiver.bench;

import dev.quiver.server.Node;
import dev.quiver.server.config.ConfigLoader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Batch upsert throughput (256 points of 384 dimensions per request, {@code wait=true}) through
 * REST, for a single node and for a three-node cluster (all nodes in this JVM on 127.0.0.1, as in
 * {@code spec/ratis-throughput.md}, so they share the machine's cores): {@code shard_number} 3 with
 * {@code replication_factor} 1, and with {@code replication_factor} 3. Clients spread requests over
 * the cluster's nodes. Prints a markdown table with ratios against the single node measured in the
 * same run.
 *
 * <p>{@code ./mvnw -q -pl bench exec:exec@cluster-write [-Dbench.seconds=15 -Dbench.clients=8]}
 */
public final class ClusterWriteBench {
  private static final int DIM = 384;
  private static final int BATCH = 256;

  private record Result(String name, double pointsPerSecond, double p50, double p99) {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    Path dir = Files.createTempDirectory("quiver-cluster-bench");
    List<Result> results = new ArrayList<>();
    results.add(runSingle(dir.resolve("single"), seconds, clients));
    results.add(runCluster(dir.resolve("rf1"), 1, seconds, clients));
    results.add(runCluster(dir.resolve("rf3"), 3, seconds, clients));
    double base = results.getFirst().pointsPerSecond();
    System.out.printf(
        "%n| case (%d clients, %d x %d-d points, wait=true) | points/s | ratio | p50 ms | p99 ms |%n",
        clients, BATCH, DIM);
    System.out.println("|---|---:|---:|---:|---:|");
    for (Result r : results) {
      System.out.printf(
          "| %s | %.0f | %.2fx | %.1f | %.1f |%n",
          r.name(), r.pointsPerSecond(), r.pointsPerSecond() / base, r.p50(), r.p99());
    }
    System.exit(0);
  }

  private static int freePort() throws Exception {
    try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Map<String, String> env(Path dir, int http, int grpc) {
    Map<String, String> env = new HashMap<>();
    env.put("QDRANT__SERVICE__HOST", "127.0.0.1");
    env.put("QDRANT__SERVICE__HTTP_PORT", String.valueOf(http));
    env.put("QDRANT__SERVICE__GRPC_PORT", String.valueOf(grpc));
    env.put("QDRANT__STORAGE__STORAGE_PATH", dir.resolve("storage").toString());
    env.put("QDRANT__STORAGE__SNAPSHOTS_PATH", dir.resolve("snapshots").toString());
    env.put("QDRANT__LOG_LEVEL", "WARN");
    return env;
  }

  private static Result runSingle(Path dir, int seconds, int clients) throws Exception {
    Files.createDirectories(dir);
    int http = freePort();
    Node node = Node.start(new ConfigLoader().load(dir, null, env(dir, http, freePort())).config());
    try {
      return drive(
          "single node",
          List.of(http),
          "{\"vectors\":{\"size\":384,\"distance\":\"Cosine\"}}",
          seconds,
          clients);
    } finally {
      node.close();
    }
  }

  private static Result runCluster(Path dir, int rf, int seconds, int clients) throws Exception {
    List<Node> nodes = new ArrayList<>();
    List<Integer> https = new ArrayList<>();
    String first = null;
    try {
      for (int i = 0; i < 3; i++) {
        Path d = dir.resolve("node" + i);
        Files.createDirectories(d);
        int http = freePort();
        int p2p = freePort();
        Map<String, String> env = env(d, http, freePort());
        env.put("QDRANT__CLUSTER__ENABLED", "true");
        env.put("QDRANT__CLUSTER__P2P__PORT", String.valueOf(p2p));
        URI self = URI.create("http://127.0.0.1:" + p2p);
        nodes.add(
            Node.start(
                new ConfigLoader().load(d, null, env).config(),
                self,
                first == null ? null : URI.create(first)));
        if (first == null) {
          first = self.toString();
        }
        https.add(http);
      }
      Thread.sleep(2000);
      return drive(
          "3 nodes, shard_number 3, replication_factor " + rf,
          https,
          "{\"vectors\":{\"size\":384,\"distance\":\"Cosine\"},\"shard_number\":3,\"replication_factor\":"
              + rf
              + "}",
          seconds,
          clients);
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
    }
  }

  private static Result drive(
      String name, List<Integer> ports, String create, int seconds, int clients) throws Exception {
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
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
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
                    String body = batch(random, nextId);
                    int port = ports.get(k++ % ports.size());
                    long t0 = System.nanoTime();
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
                      throw new IllegalStateException(r.body());
                    }
                    if (measuring.get()) {
                      points.addAndGet(BATCH);
                      latencies.add(t1 - t0);
                    }
                  }
                } catch (Exception e) {
                  System.err.println(name + ": client failed: " + e);
                } finally {
                  done.countDown();
                }
              });
    }
    Thread.sleep(Math.max(3000, seconds * 300L)); // warm-up (JIT, first segments)
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    measuring.set(false);
    long elapsed = System.nanoTime() - start;
    stop.set(true);
    done.await();
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(null);
    double p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2) / 1e6;
    double p99 = sorted.isEmpty() ? 0 : sorted.get((int) (sorted.size() * 0.99)) / 1e6;
    Result r = new Result(name, points.get() / (elapsed / 1e9), p50, p99);
    System.out.printf(
        "%s: %.0f points/s (p50 %.1f ms, p99 %.1f ms)%n", name, r.pointsPerSecond(), p50, p99);
    return r;
  }

  private static String batch(Random random, AtomicLong nextId) {
    StringBuilder b = new StringBuilder(BATCH * DIM * 12);
    b.append("{\"points\":[");
    for (int i = 0; i < BATCH; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"id\":").append(nextId.getAndIncrement()).append(",\"vector\":[");
      for (int d = 0; d < DIM; d++) {
        if (d > 0) {
          b.append(',');
        }
        b.append(random.nextFloat() - 0.5f);
      }
      b.append("],\"payload\":{\"n\":").append(i).append("}}");
    }
    return b.append("]}").toString();
  }
}
