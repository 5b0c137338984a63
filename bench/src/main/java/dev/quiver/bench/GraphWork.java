package dev.quiver.bench;

import dev.quiver.storage.internal.hnsw.Candidates;
import dev.quiver.storage.internal.hnsw.HnswIndex;
import dev.quiver.storage.internal.vector.OffHeapVectors;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Graph quality as recall against work: for each {@code ef}, recall@10 and the vectors a query
 * scores, for Quiver's graph (built here through the engine's own index, on two threads, as the
 * indexer builds it) and JVector's (the similarities its search computes). Recall at a given {@code
 * ef} alone compares walks of different lengths: a graph with longer lists scores more vectors per
 * step and reaches more at the same {@code ef}. Recall at the same number of scored vectors is the
 * measure of the graph, and it is what a query's time follows when reading vectors dominates.
 */
final class GraphWork {
  private GraphWork() {}

  /** One setting: recall@10 and mean vectors scored per query. */
  record Point(int ef, double recall, double scored) {}

  /** Quiver's graph over {@code ds}, measured at {@code efs}. */
  static List<Point> quiver(AnnBench.DataSet ds, int m, int efConstruct, int[] efs)
      throws Exception {
    Path dir = Scratch.dir("quiver-graph-work");
    int dim = ds.base()[0].length;
    try (OffHeapVectors vectors = new OffHeapVectors(dir.resolve("vectors"), dim);
        HnswIndex index =
            new HnswIndex(vectors, dir.resolve("graph"), ds.distance(), m, efConstruct, 42)) {
      for (float[] v : ds.base()) {
        vectors.add(ds.distance().prepare(v));
      }
      long start = System.nanoTime();
      AtomicInteger next = new AtomicInteger();
      ExecutorService pool =
          Executors.newFixedThreadPool(2, Thread.ofPlatform().name("graph-work-", 0).factory());
      try {
        List<Future<?>> builders = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          builders.add(
              pool.submit(
                  () -> {
                    for (int n = next.getAndIncrement();
                        n < ds.base().length;
                        n = next.getAndIncrement()) {
                      index.insert(n);
                    }
                  }));
        }
        for (Future<?> f : builders) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      index.repair(HnswIndex.Check.ANY); // as the indexer does once the inserts are in
      System.out.printf(
          Locale.ROOT,
          "quiver's index alone built %.0f vectors/s on two threads%n",
          ds.base().length / ((System.nanoTime() - start) / 1e9));
      List<Point> points = new ArrayList<>();
      for (int ef : efs) {
        long[] scored = new long[1];
        double recall =
            recall(
                ds,
                q -> {
                  Counting scorer =
                      new Counting(vectors.scorer(ds.distance(), ds.distance().prepare(q)));
                  Candidates found = index.search(scorer, Math.max(ef, 10), null);
                  scored[0] += scorer.count;
                  int[] order = found.bestFirstPositions();
                  long[] top = new long[Math.min(10, order.length)];
                  for (int i = 0; i < top.length; i++) {
                    top[i] = found.node(order[i]);
                  }
                  return top;
                });
        points.add(new Point(ef, recall, scored[0] / (double) ds.queries().length));
      }
      return points;
    }
  }

  /** JVector's graph, measured at {@code efs}. */
  static List<Point> jvector(AnnBench.DataSet ds, JVectorHnsw jv, int[] efs) throws Exception {
    List<Point> points = new ArrayList<>();
    for (int ef : efs) {
      long[] scored = new long[1];
      double recall = recall(ds, q -> AnnBench.toLongs(jv.search(q, ef, scored)));
      points.add(new Point(ef, recall, scored[0] / (double) ds.queries().length));
    }
    return points;
  }

  /** Prints both curves and Quiver's recall at the work of each of JVector's points. */
  static void report(List<Point> quiver, List<Point> jvector) {
    System.out.println(
        "graph quality, recall@10 / vectors scored per query (one pass, single thread):");
    System.out.println("| engine | " + header(quiver) + " |");
    System.out.println("|---|" + "---|".repeat(quiver.size()));
    System.out.println("| quiver | " + cells(quiver) + " |");
    System.out.println("| jvector | " + cells(jvector) + " |");
    for (Point j : jvector) {
      double at = interpolate(quiver, j.scored());
      System.out.printf(
          Locale.ROOT,
          "  at jvector ef=%d's %.0f vectors scored: jvector %.4f, quiver %s%n",
          j.ef(),
          j.scored(),
          j.recall(),
          Double.isNaN(at) ? "outside its measured range" : String.format(Locale.ROOT, "%.4f", at));
    }
  }

  /**
   * Recall at {@code scored} vectors per query on the piecewise-linear curve, or NaN outside it.
   */
  static double interpolate(List<Point> curve, double scored) {
    for (int i = 1; i < curve.size(); i++) {
      Point a = curve.get(i - 1);
      Point b = curve.get(i);
      if (a.scored() <= scored && scored <= b.scored()) {
        double t = b.scored() == a.scored() ? 0 : (scored - a.scored()) / (b.scored() - a.scored());
        return a.recall() + t * (b.recall() - a.recall());
      }
    }
    return Double.NaN;
  }

  private static String header(List<Point> points) {
    StringBuilder sb = new StringBuilder();
    for (Point p : points) {
      sb.append(sb.isEmpty() ? "" : " | ").append("ef=").append(p.ef());
    }
    return sb.toString();
  }

  private static String cells(List<Point> points) {
    StringBuilder sb = new StringBuilder();
    for (Point p : points) {
      sb.append(sb.isEmpty() ? "" : " | ")
          .append(String.format(Locale.ROOT, "%.3f / %.0f", p.recall(), p.scored()));
    }
    return sb.toString();
  }

  private static double recall(AnnBench.DataSet ds, AnnBench.TopTen search) throws Exception {
    int hits = 0;
    for (int q = 0; q < ds.queries().length; q++) {
      hits += AnnBench.hits(ds, q, search.search(ds.queries()[q]));
    }
    return hits / (10.0 * ds.queries().length);
  }

  /** A scorer that counts the vectors it scores. */
  private static final class Counting implements SlotScorer {
    private final SlotScorer inner;
    long count;

    Counting(SlotScorer inner) {
      this.inner = inner;
    }

    @Override
    public float score(int slot) {
      count++;

      return inner.score(slot);
    }

    @Override
    public void scores(int[] slots, int n, float[] out) {
      count += n;
      inner.scores(slots, n, out);
    }
  }
}
