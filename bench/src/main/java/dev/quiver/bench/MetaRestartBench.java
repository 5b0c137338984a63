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
 * stopped and started again three times; the median start (until {@code Node.start} returns, REST
 * up and the metadata applied) is reported with the size of the metadata Raft directory. Modes
 * alternate per size so that warm-up favours neither.
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
        starts[i] = (System.nanoTime() - t0) / 1e6;
        check(http, history);
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
    try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
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

  /** The restarted node holds the last value written to a key. */
  private static void check(int http, int history) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    int last = history - 1;
    var r =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + http + "/cluster/metadata/keys/k" + (last % KEYS)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    // with 16 writers the last value of a key is one of its last few writes
    if (r.statusCode() != 200 || !r.body().contains("\"result\":")) {
      throw new IllegalStateException("after restart: " + r.statusCode() + " " + r.body());
    }
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
