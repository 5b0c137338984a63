package dev.quiver.bench;

import dev.quiver.server.Node;
import dev.quiver.server.config.ConfigLoader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Start time of a cluster node against the length of its metadata history, with metadata log
 * compaction ({@code cluster.consensus.compact_wal_entries: 128}, the default) and without it
 * ({@code 0}). A one-peer cluster in this JVM is given N metadata operations through REST (cluster
 * metadata keys written over and over: the history grows, the state stays at 1,000 keys), then is
 * stopped and started again three times; the median start (from {@code Node.start} until the
 * history's last entry reads back through REST) is reported with the size of the metadata Raft
 * directory. Modes alternate per size so that warm-up favours neither.
 *
 * <p>{@code ./mvnw -q -pl bench exec:exec@meta-restart [-Dbench.meta.sizes=10000,100000]}
 */
public final class MetaRestartBench {
  private static final int KEYS = 1000;
  private static final int CLIENTS = 16;

  private MetaRestartBench() {}

  private record Row(
      int history, int compactEvery, double writeSeconds, double startMs, long bytes) {}

  public static void main(String[] args) throws Exception {
    int[] sizes =
        Arrays.stream(System.getProperty("bench.meta.sizes", "10000,100000").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    Path root = Files.createTempDirectory("quiver-meta-restart");
    List<Row> rows = new ArrayList<>();
    try {
      // warm-up, not reported: both modes once on a short history, so that the first measured
      // start does not pay for the JIT
      for (int every : new int[] {128, 0}) {
        run(root.resolve("warm-up-" + every), 2000, every);
      }
      boolean compactFirst = true;
      for (int n : sizes) {
        int[] modes = compactFirst ? new int[] {128, 0} : new int[] {0, 128};
        for (int every : modes) {
          rows.add(run(root.resolve(n + "-" + every), n, every));
          System.err.println("done: " + rows.getLast());
        }
        compactFirst = !compactFirst;
      }
    } finally {
      if (!Boolean.getBoolean("bench.keep")) {
        try (Stream<Path> files = Files.walk(root)) {
          files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
      }
    }
    System.out.println(
        "| metadata operations | compact_wal_entries | written in | start (median of 3) |"
            + " metadata Raft dir |");
    System.out.println("|---:|---:|---:|---:|---:|");
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT,
          "| %,d | %d | %.1f s | %.0f ms | %,d KB |%n",
          r.history(),
          r.compactEvery(),
          r.writeSeconds(),
          r.startMs(),
          r.bytes() / 1024);
    }
  }

  private static Row run(Path dir, int history, int every) throws Exception {
    Files.createDirectories(dir);
    int http = freePort();
    int p2p = freePort();
    Map<String, String> env = LoadServer.nodeEnv(dir, http, freePort());
    env.put("QDRANT__CLUSTER__ENABLED", "true");
    env.put("QDRANT__CLUSTER__P2P__PORT", String.valueOf(p2p));
    env.put("QDRANT__CLUSTER__CONSENSUS__COMPACT_WAL_ENTRIES", String.valueOf(every));
    URI self = URI.create("http://127.0.0.1:" + p2p);
    double writeSeconds;
    try (Node node = Node.start(new ConfigLoader().load(dir, null, env).config(), self, null)) {
      writeSeconds = write(http, history);
    }
    double[] starts = new double[3];
    for (int i = 0; i < starts.length; i++) {
      long t0 = System.nanoTime();
      try (Node node = Node.start(new ConfigLoader().load(dir, null, env).config())) {
        awaitSentinel(http, history);
        starts[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    Arrays.sort(starts);
    return new Row(history, every, writeSeconds, starts[1], size(dir.resolve("storage/cluster")));
  }

  /** {@code history} metadata writes from {@link #CLIENTS} clients; seconds taken. */
  private static double write(int http, int history) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    AtomicInteger next = new AtomicInteger();
    long t0 = System.nanoTime();
    try (ExecutorService pool =
        Executors.newFixedThreadPool(
            CLIENTS, Thread.ofPlatform().name("meta-writer-", 0).factory())) {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < history; i = next.getAndIncrement()) {
                    put(client, http, "k" + (i % KEYS), Integer.toString(i));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    // the last entry of the history: a restart is done when it reads this back
    put(client, http, "sentinel", Integer.toString(history));
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void put(HttpClient client, int http, String key, String value) throws Exception {
    var r =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + http
                            + "/cluster/metadata/keys/"
                            + key
                            + "?wait=true"))
                .PUT(HttpRequest.BodyPublishers.ofString(value))
                .header("Content-Type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("PUT " + key + ": " + r.statusCode() + " " + r.body());
    }
  }

  /** Waits (up to two minutes) until the restarted node has applied the history's last entry. */
  private static void awaitSentinel(int http, int history) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      var r =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + http + "/cluster/metadata/keys/sentinel"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200 && r.body().contains("\"result\":" + history)) {
        return;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("the restarted node did not apply its history in 2 minutes");
  }

  private static long size(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static int freePort() throws Exception {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
