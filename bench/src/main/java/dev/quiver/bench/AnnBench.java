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
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Recall and single-thread search speed of the engine's HNSW index on a real data set, through the
 * storage API (the same path the server takes): build the index, then for several {@code ef} report
 * recall@10 against the data set's exact top 100, queries per second and p50/p99 latency, and the
 * exact scan for comparison.
 *
 * <p>Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl bench exec:exec@ann} (arguments:
 * data directory, default {@code ../shared/data}; data set, default {@code minilm-384}).
 */
public final class AnnBench {
  private AnnBench() {}

  public static void main(String[] args) throws Exception {
    Path data =
        Path.of(args.length > 0 ? args[0] : "../shared/data")
            .resolve(args.length > 1 ? args[1] : "minilm-384");
    float[][] base = fvecs(data.resolve("base.fvecs"));
    float[][] queries = fvecs(data.resolve("query.fvecs"));
    int[][] gt = ivecs(data.resolve("gt100.ivecs"));
    int dim = base[0].length;
    Distance distance = Distance.COSINE;
    int m = 16;
    int efConstruct = 100;
    Path dir = Files.createTempDirectory("quiver-ann");
    try (CollectionRegistry registry = Storage.open(dir)) {
      var config =
          new CollectionConfig(
              Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(dim, distance, null)),
              1,
              1,
              1,
              true,
              new HnswConfig(m, efConstruct, 0, 0, false),
              OptimizersConfig.DEFAULT,
              new WalConfig(256, 0));
      registry.apply(new CollectionMetaOp.Create("ann", config), 1);
      Collection c = registry.require("ann");
      long start = System.nanoTime();
      long op = 0;
      for (int from = 0; from < base.length; from += 1000) {
        List<Point> batch = new ArrayList<>();
        for (int i = from; i < Math.min(base.length, from + 1000); i++) {
          batch.add(new Point(PointId.of(i), Map.of("", base[i]), null));
        }
        c.writer().apply(++op, new UpdateOp.Upsert(batch));
      }
      c.writer().flush();
      c.writer().awaitIndexed(); // the build ends when the graph holds every vector
      double buildSecs = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "%n%s: %d x %d, %s, m=%d, ef_construct=%d; %d queries, single thread%n",
          data.getFileName(),
          base.length,
          dim,
          distance,
          m,
          efConstruct,
          queries.length);
      System.out.printf(
          Locale.ROOT,
          "build (insert + index, 1 writer): %.1f s, %.0f vectors/s%n%n",
          buildSecs,
          base.length / buildSecs);
      System.out.println("| search | recall@10 | QPS | p50 ms | p99 ms |");
      System.out.println("|---|---|---|---|---|");
      for (int ef : new int[] {16, 32, 64, 128, 256}) {
        run(c, queries, gt, "hnsw ef=" + ef, ef, false);
      }
      run(c, queries, gt, "exact scan", null, true);
    }
    // The peer, in the same JVM and run: Lucene's HNSW with the same m and beam width.
    try (LuceneHnsw lucene = new LuceneHnsw(Files.createTempDirectory("quiver-ann-lucene"), base)) {
      System.out.printf(
          Locale.ROOT,
          "%nLucene %s HNSW build (1 thread, m=16, beam 100): %.1f s, %.0f vectors/s%n%n",
          org.apache.lucene.util.Version.LATEST,
          lucene.buildSeconds,
          base.length / lucene.buildSeconds);
      System.out.println("| Lucene search | recall@10 | QPS | p50 ms | p99 ms |");
      System.out.println("|---|---|---|---|---|");
      for (int ef : new int[] {16, 32, 64, 128, 256}) {
        runLucene(lucene, queries, gt, ef);
      }
    }
    // Reopen: the checkpoint written at close restores vectors and graph without a rebuild.
    long reopen = System.nanoTime();
    try (CollectionRegistry registry = Storage.open(dir)) {
      double secs = (System.nanoTime() - reopen) / 1e9;
      Collection c = registry.require("ann");
      System.out.printf(
          Locale.ROOT,
          "%nreopen from checkpoint: %.2f s (%d points)%n%n",
          secs,
          c.reader().count());
      System.out.println("| search after reopen | recall@10 | QPS | p50 ms | p99 ms |");
      System.out.println("|---|---|---|---|---|");
      run(c, queries, gt, "hnsw ef=64", 64, false);
    }
  }

  private static void run(
      Collection c, float[][] queries, int[][] gt, String name, Integer ef, boolean exact)
      throws Exception {
    measure(
        name,
        queries,
        gt,
        q ->
            c
                .reader()
                .search(
                    new SearchRequest(
                        "", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, ef, exact))
                .stream()
                .mapToLong(p -> ((PointId.Num) p.id()).value())
                .toArray());
  }

  private static void runLucene(LuceneHnsw lucene, float[][] queries, int[][] gt, int ef)
      throws Exception {
    measure(
        "lucene ef=" + ef,
        queries,
        gt,
        q -> Arrays.stream(lucene.search(q, Math.max(10, ef))).asLongStream().toArray());
  }

  /** One engine's top-10 row numbers for a query. */
  private interface TopTen {
    long[] search(float[] q) throws Exception;
  }

  /** A warm-up pass, then a measured one: recall@10 against the ground truth, QPS, p50 and p99. */
  private static void measure(String name, float[][] queries, int[][] gt, TopTen engine)
      throws Exception {
    for (int pass = 0; pass < 2; pass++) {
      long[] lat = new long[queries.length];
      int hits = 0;
      long start = System.nanoTime();
      for (int q = 0; q < queries.length; q++) {
        long t = System.nanoTime();
        long[] res = engine.search(queries[q]);
        lat[q] = System.nanoTime() - t;
        Set<Long> truth = new HashSet<>();
        for (int i = 0; i < 10; i++) {
          truth.add((long) gt[q][i]);
        }
        for (long id : res) {
          if (truth.contains(id)) {
            hits++;
          }
        }
      }
      double secs = (System.nanoTime() - start) / 1e9;
      if (pass == 1) {
        Arrays.sort(lat);
        System.out.printf(
            Locale.ROOT,
            "| %s | %.3f | %.0f | %.2f | %.2f |%n",
            name,
            hits / (10.0 * queries.length),
            queries.length / secs,
            lat[lat.length / 2] / 1e6,
            lat[(int) (lat.length * 0.99)] / 1e6);
      }
    }
  }

  static float[][] fvecs(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<float[]> out = new ArrayList<>();
    while (b.remaining() > 0) {
      float[] v = new float[b.getInt()];
      for (int i = 0; i < v.length; i++) {
        v[i] = b.getFloat();
      }
      out.add(v);
    }
    return out.toArray(new float[0][]);
  }

  static int[][] ivecs(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<int[]> out = new ArrayList<>();
    while (b.remaining() > 0) {
      int[] v = new int[b.getInt()];
      for (int i = 0; i < v.length; i++) {
        v[i] = b.getInt();
      }
      out.add(v);
    }
    return out.toArray(new int[0][]);
  }
}
