package dev.quiver.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Shard transfers by method ({@code exec@transfer}): three nodes in this JVM, a collection of one
 * shard without replicas holding {@code bench.transfer.points} minilm-384 vectors with their HNSW
 * graph built, then the shard replicated by {@code stream_records} to one of the other peers and by
 * {@code snapshot} to the other, in that order (after a {@code snapshot} transfer the leader holds
 * a snapshot, which a later {@code stream_records} transfer would send too). Per transfer: the
 * seconds until no node lists it, and until the receiver's replica holds every vector in its graph
 * (a {@code stream_records} receiver applies the log and builds its graph; a {@code snapshot}
 * receiver installs the shard with its graph). Random vectors without the data set.
 */
public final class TransferBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final int DIM = 384;
  private static final int BATCH = 256;
  private static final long LIMIT_NANOS = Duration.ofMinutes(10).toNanos();

  private TransferBench() {}

  public static void main(String[] args) throws Exception {
    int points = Integer.getInteger("bench.transfer.points", 20_000);
    float[][] data = null;
    Path base = args.length > 1 ? Path.of(args[0]).resolve(args[1]).resolve("base.fvecs") : null;
    if (base != null && Files.exists(base)) {
      data = AnnBench.fvecs(base);
    }
    Path dir = Scratch.dir("quiver-transfer-bench");
    try (InJvmCluster cluster =
        InJvmCluster.start(
            dir, 3, (d, http) -> LoadServer.nodeEnv(d, http, InJvmCluster.freePort()))) {
      Thread.sleep(2000);
      Map<Long, Integer> portOf = new HashMap<>();
      for (int port : cluster.httpPorts) {
        portOf.put(send(port, "GET", "/cluster", null).path("peer_id").asLong(), port);
      }
      int node0 = cluster.httpPorts.getFirst();
      send(
          node0,
          "PUT",
          "/collections/moved",
          "{\"vectors\":{\"size\":"
              + DIM
              + ",\"distance\":\"Cosine\"},\"shard_number\":1,"
              // every vector in the graph, however few (the default waits for 10,000 KB)
              + "\"optimizers_config\":{\"indexing_threshold\":1}}");
      Random random = new Random(20261206L);
      long loadStarted = System.nanoTime();
      for (int from = 0; from < points; from += BATCH) {
        send(
            node0, "PUT", "/collections/moved/points?wait=true", batch(data, random, from, points));
      }
      JsonNode layout = send(node0, "GET", "/collections/moved/cluster", null);
      long holder =
          layout.path("local_shards").isEmpty()
              ? layout.path("remote_shards").get(0).path("peer_id").asLong()
              : layout.path("peer_id").asLong();
      await(portOf.get(holder), "/collections/moved", info -> indexed(info, points), "indexed");
      System.out.printf(
          Locale.ROOT,
          "%d points loaded and indexed on peer %d in %.1f s%n",
          points,
          holder,
          (System.nanoTime() - loadStarted) / 1e9);
      List<Long> targets = portOf.keySet().stream().filter(p -> p != holder).sorted().toList();
      StringBuilder table =
          new StringBuilder(
              "| method | listed until s | receiver's graph complete after s |\n"
                  + "|---|---:|---:|\n");
      String[] methods = {"stream_records", "snapshot"};
      for (int round = 0; round < methods.length; round++) {
        String method = methods[round];
        long target = targets.get(round);
        long started = System.nanoTime();
        send(
            node0,
            "POST",
            "/collections/moved/cluster",
            "{\"replicate_shard\":{\"shard_id\":0,\"from_peer_id\":"
                + holder
                + ",\"to_peer_id\":"
                + target
                + ",\"method\":\""
                + method
                + "\"}}");
        await(
            node0,
            "/collections/moved/cluster",
            info -> info.path("shard_transfers").isEmpty(),
            "transfer listed");
        double ended = (System.nanoTime() - started) / 1e9;
        await(
            portOf.get(target),
            "/collections/moved",
            info -> indexed(info, points),
            "receiver indexed");
        double indexed = (System.nanoTime() - started) / 1e9;
        table.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f |%n", method, ended, indexed));
        send(
            node0,
            "POST",
            "/collections/moved/cluster",
            "{\"drop_replica\":{\"shard_id\":0,\"peer_id\":" + target + "}}");
      }
      System.out.println();
      System.out.print(table);
    }
    System.exit(0);
  }

  /** Whether a node's collection info shows {@code points} vectors, all in its graph. */
  private static boolean indexed(JsonNode info, int points) {
    return info.path("indexed_vectors_count").asLong() >= points;
  }

  /**
   * Polls {@code path} on {@code port} every 20 ms until {@code done} holds (10 minutes at most).
   */
  private static void await(int port, String path, Predicate<JsonNode> done, String what)
      throws Exception {
    long deadline = System.nanoTime() + LIMIT_NANOS;
    while (!done.test(send(port, "GET", path, null))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + ": not reached within 10 minutes");
      }
      Thread.sleep(20);
    }
  }

  private static JsonNode send(int port, String method, String path, String body) throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(method + " " + path + " failed: " + r.body());
    }
    return JSON.readTree(r.body()).path("result");
  }

  private static String batch(float[][] data, Random random, int from, int points) {
    StringBuilder b = new StringBuilder(BATCH * DIM * 12).append("{\"points\":[");
    for (int id = from; id < Math.min(points, from + BATCH); id++) {
      b.append(id > from ? "," : "").append("{\"id\":").append(id).append(",\"vector\":[");
      for (int d = 0; d < DIM; d++) {
        b.append(d > 0 ? "," : "")
            .append(data == null ? random.nextFloat() - 0.5f : data[id % data.length][d]);
      }
      b.append("],\"payload\":{\"n\":").append(id).append("}}");
    }
    return b.append("]}").toString();
  }
}
