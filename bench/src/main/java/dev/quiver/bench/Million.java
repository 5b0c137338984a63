package dev.quiver.bench;

import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.lucene.util.Version;

/**
 * A collection larger than the heap: {@code bench.million.points} (1,000,000 by default) x 384
 * clustered vectors (1,000 gaussian clusters, normalised; generated point by point, never held at
 * once) are written through the storage API in a JVM started with {@code -Xmx256m} ({@code
 * bench.million.heap}), indexed, checked for recall against exact search, checkpointed and
 * reopened; heap after GC and RSS are reported at each step. Then Lucene's HNSW is built over the
 * same set in a JVM of its own, and its recall measured on the same queries. The vectors and the
 * graph's bottom layer live off-heap in memory-mapped files, and so do the payloads ({@code
 * on_disk_payload} is on); the heap holds the points' entries and the graph's upper layers. Each
 * payload is {@code {"cluster": n}}, with a {@code "text"} of {@code bench.million.text} characters
 * besides when that is above 0 (a RAG collection's chunk of text).
 *
 * <p>{@code ./mvnw -q -pl bench exec:exec@million [-Dbench.million.points=1000000]
 * [-Dbench.million.heap=256m] [-Dbench.million.text=0]}
 */
public final class Million {
  private static final int DIM = 384;
  private static final int CLUSTERS = 1000;

  private Million() {}

  /** Point {@code i}'s payload: its cluster, and {@code text} characters of text when above 0. */
  private static Value.Struct payload(int i, int text) {
    Value cluster = new Value.Int(i % CLUSTERS);
    if (text <= 0) {
      return new Value.Struct(Map.of("cluster", cluster));
    }
    StringBuilder b = new StringBuilder(text + 16);
    while (b.length() < text) {
      b.append("chunk ").append(i).append(" of some document; ");
    }
    b.setLength(text);
    return new Value.Struct(Map.of("cluster", cluster, "text", new Value.Str(b.toString())));
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int text = Integer.getInteger("bench.million.text", 0);
    float[][] centers = new float[CLUSTERS][DIM];
    SplittableRandom seed = new SplittableRandom(20261129);
    for (float[] c : centers) {
      for (int d = 0; d < DIM; d++) {
        c[d] = (float) seed.nextGaussian();
      }
    }
    if (args.length > 1 && args[1].equals("lucene")) {
      lucene(centers, n);
      return;
    }
    Path dir = Scratch.dir("quiver-million");
    System.out.printf(
        Locale.ROOT,
        "%,d x %d vectors, payload text of %d characters, max heap %d MB%n",
        n,
        DIM,
        text,
        Runtime.getRuntime().maxMemory() >> 20);
    report("start");
    long start = System.nanoTime();
    try (CollectionRegistry registry = Storage.open(dir)) {
      var config =
          new CollectionConfig(
              Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(DIM, Distance.COSINE, null)),
              1,
              1,
              1,
              true,
              HnswConfig.DEFAULT,
              OptimizersConfig.DEFAULT,
              WalConfig.DEFAULT);
      registry.apply(new CollectionMetaOp.Create("big", config), 1);
      Collection c = registry.require("big");
      long op = 0;
      for (int from = 0; from < n; from += 1000) {
        List<Point> batch = new ArrayList<>(1000);
        for (int i = from; i < Math.min(n, from + 1000); i++) {
          batch.add(new Point(PointId.of(i), Map.of("", vector(centers, i)), payload(i, text)));
        }
        c.writer().apply(++op, new UpdateOp.Upsert(batch));
        if (from % 100_000 == 0 && from > 0) {
          System.out.printf(
              Locale.ROOT, "  %,d written, %.0f s%n", from, (System.nanoTime() - start) / 1e9);
        }
      }
      double written = (System.nanoTime() - start) / 1e9;
      c.writer().flush();
      c.writer().awaitIndexed();
      double indexed = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "written in %.0f s, indexed in %.0f s: %.0f vectors/s%n",
          written,
          indexed,
          n / indexed);
      report("indexed");
      recall(c, centers, n);
    }
    report("closed (checkpoint written)");
    long reopen = System.nanoTime();
    try (CollectionRegistry registry = Storage.open(dir)) {
      Collection c = registry.require("big");
      System.out.printf(
          Locale.ROOT,
          "reopened in %.1f s: %,d points%n",
          (System.nanoTime() - reopen) / 1e9,
          c.reader().count());
      report("reopened");
      recall(c, centers, n);
    }
    if (!Boolean.getBoolean("bench.million.quiverOnly")) {
      // the peer, on the same set, in a JVM of its own: Lucene's build holds its graph and a
      // buffer of vectors on the heap, which this one's 256 MB does not allow
      Process peer =
          new ProcessBuilder(
                  ProcessHandle.current().info().command().orElse("java"),
                  "--add-modules",
                  "jdk.incubator.vector",
                  "--enable-native-access=ALL-UNNAMED",
                  "-Xmx3g",
                  "-Dbench.keep=" + System.getProperty("bench.keep", "false"),
                  "-cp",
                  System.getProperty("java.class.path"),
                  Million.class.getName(),
                  Integer.toString(n),
                  "lucene")
              .inheritIO()
              .start();
      if (peer.waitFor() != 0) {
        throw new IllegalStateException("the Lucene run failed: " + peer.exitValue());
      }
    }
    System.exit(0);
  }

  /**
   * Lucene's HNSW over the same set (the same generator and seed, so the same vectors, given as
   * unit vectors to its dot product), built on two threads with Quiver's default m 16 and beam 100
   * and merged into one segment; recall@10 at ef=64 and 128 on the same 100 queries, against the
   * exact top 10 found by a pass over the set.
   */
  private static void lucene(float[][] centers, int n) throws Exception {
    List<float[]> queries = queries(centers, n);
    queries.forEach(Million::unit);
    int[][] truth = exactTopTen(centers, n, queries);
    Path dir = Scratch.dir("quiver-million-lucene");
    try (LuceneHnsw lucene =
        new LuceneHnsw(
            dir,
            n,
            i -> unit(vector(centers, i)),
            false,
            HnswConfig.DEFAULT.m(),
            HnswConfig.DEFAULT.efConstruct(),
            i -> List.of(),
            LuceneHnsw.FLOAT)) {
      System.out.printf(
          Locale.ROOT,
          "lucene %s: built in %.0f s: %.0f vectors/s (two threads, merged into one segment)%n",
          Version.LATEST,
          lucene.buildSeconds,
          n / lucene.buildSeconds);
      for (float[] q : queries) {
        lucene.search(q, 128); // the first pass pages the mapped index in, as Quiver's was by then
      }
      StringBuilder line = new StringBuilder("  lucene:");
      for (int ef : new int[] {64, 128}) {
        int hits = 0;
        long t = System.nanoTime();
        for (int q = 0; q < queries.size(); q++) {
          int[] found = lucene.search(queries.get(q), ef);
          for (int row : found) {
            for (int want : truth[q]) {
              if (row == want) {
                hits++;
              }
            }
          }
        }
        double qps = queries.size() / ((System.nanoTime() - t) / 1e9);
        line.append(
            String.format(
                Locale.ROOT,
                "%sef=%d recall@10 %.3f at %.0f QPS",
                ef == 64 ? " " : "; ",
                ef,
                hits / 1000.0,
                qps));
      }
      System.out.println(line);
    }
  }

  /** {@code v} scaled to length 1, in place. */
  private static float[] unit(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += x * x;
    }
    float scale = (float) (1 / Math.sqrt(sum));
    for (int d = 0; d < v.length; d++) {
      v[d] *= scale;
    }
    return v;
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int d = 0; d < a.length; d++) {
      s += a[d] * b[d];
    }
    return s;
  }

  /** The exact top 10 rows of each (unit) query by cosine, from one pass over the set. */
  private static int[][] exactTopTen(float[][] centers, int n, List<float[]> queries) {
    int k = queries.size();
    int[][] best = new int[k][10];
    float[][] scores = new float[k][10];
    for (float[] s : scores) {
      Arrays.fill(s, Float.NEGATIVE_INFINITY);
    }
    for (int i = 0; i < n; i++) {
      float[] v = unit(vector(centers, i));
      for (int q = 0; q < k; q++) {
        float s = dot(queries.get(q), v);
        float[] sc = scores[q];
        if (s > sc[9]) {
          int at = 9;
          while (at > 0 && sc[at - 1] < s) {
            sc[at] = sc[at - 1];
            best[q][at] = best[q][at - 1];
            at--;
          }
          sc[at] = s;
          best[q][at] = i;
        }
      }
    }
    return best;
  }

  private static float[] vector(float[][] centers, long i) {
    SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
    float[] c = centers[(int) (i % CLUSTERS)];
    float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = c[d] + (float) r.nextGaussian() * 0.6f;
    }
    return v;
  }

  /** Recall@10 at ef=64 and 128 on 100 queries against exact search, and the QPS of each. */
  private static void recall(Collection c, float[][] centers, int n) {
    List<float[]> queries = queries(centers, n);
    List<List<PointId>> truth = new ArrayList<>();
    long t = System.nanoTime();
    for (float[] q : queries) {
      truth.add(
          c
              .reader()
              .search(
                  new SearchRequest(
                      "", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, null, true))
              .stream()
              .map(ScoredPoint::id)
              .toList());
    }
    double exactQps = queries.size() / ((System.nanoTime() - t) / 1e9);
    StringBuilder line =
        new StringBuilder(String.format(Locale.ROOT, "  exact %.1f QPS", exactQps));
    for (int ef : new int[] {64, 128}) {
      int hits = 0;
      t = System.nanoTime();
      for (int q = 0; q < queries.size(); q++) {
        for (ScoredPoint p :
            c.reader()
                .search(
                    new SearchRequest(
                        "",
                        queries.get(q),
                        10,
                        0,
                        null,
                        WithPayload.NONE,
                        WithVectors.NONE,
                        ef,
                        false))) {
          if (truth.get(q).contains(p.id())) {
            hits++;
          }
        }
      }
      double qps = queries.size() / ((System.nanoTime() - t) / 1e9);
      line.append(
          String.format(Locale.ROOT, "; ef=%d recall@10 %.3f at %.0f QPS", ef, hits / 1000.0, qps));
    }
    System.out.println(line);
  }

  /** The 100 queries: not in the collection, near its clusters. */
  private static List<float[]> queries(float[][] centers, int n) {
    List<float[]> queries = new ArrayList<>();
    for (int q = 0; q < 100; q++) {
      queries.add(vector(centers, n + 7L * q));
    }
    return queries;
  }

  private static void report(String when) throws Exception {
    System.gc();
    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    double rss = 0;
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmRSS:")) {
        rss = Long.parseLong(l.substring(6).replace("kB", "").trim()) / 1024.0;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "[%s] heap after GC %.0f MB of %d MB; RSS %.0f MB (includes the mapped vectors)%n",
        when,
        heap.getUsed() / 1048576.0,
        heap.getMax() >> 20,
        rss);
  }
}
