package dev.quiver.bench;

import dev.quiver.storage.AcornParams;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.Storage;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Filtered search: Quiver against Lucene's filtered HNSW in one run, on minilm-384 with payloads
 * taken from its texts. Each Debian package gets its name's family (the part before the first dash:
 * {@code python3}, {@code golang}, {@code php}, ...) as a keyword, and whether it is a library
 * ({@code lib...}) as a boolean, both indexed; four filters over them match about 0.1%, 1%, 10% and
 * 50% of the points. The filters follow the texts, so they correlate with the vectors, as users'
 * filters do. Ground truth: the exact top 10 among each filter's matches, by brute force. For each
 * filter and {@code ef}: recall@10 and single-thread QPS of both engines, then the best QPS at
 * recall@10 ≥ 0.95 (the promise) and the ratio.
 *
 * <p>Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl bench exec:exec@filtered}
 * (argument: data directory, default {@code ../shared/data}; {@code -Dbench.filtered.queries},
 * default 500).
 */
public final class FilteredBench {
  static final double PROMISE = 0.95;
  static final int[] EFS = {16, 32, 64, 128, 256};

  private FilteredBench() {}

  /** A filter in both engines' terms, and which rows it matches. */
  record Selective(String label, IntPredicate matches, Filter quiver, Query lucene) {
    /** Whether Quiver walks the graph for it (the others leave few enough points to score). */
    boolean walked() {
      return label.startsWith("50%");
    }
  }

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args.length > 0 ? args[0] : "../shared/data");
    int nq = Integer.getInteger("bench.filtered.queries", 500);
    AnnBench.DataSet ds = DataSets.load(dataDir, "minilm-384", nq);
    if (ds == null) {
      System.out.println("minilm-384 not found under " + dataDir);
      return;
    }
    List<String> names =
        Files.readAllLines(dataDir.resolve("minilm-384/base.tsv"), StandardCharsets.UTF_8).stream()
            .map(l -> l.substring(0, l.indexOf('\t')))
            .toList();
    if (names.size() != ds.base().length) {
      throw new IllegalStateException("base.tsv and base.fvecs differ in length");
    }
    String[] family = names.stream().map(FilteredBench::family).toArray(String[]::new);
    boolean[] lib = new boolean[names.size()];
    for (int i = 0; i < lib.length; i++) {
      lib[i] = names.get(i).startsWith("lib");
    }
    List<Selective> filters = filters(family, lib);

    System.out.printf(
        Locale.ROOT,
        "## filtered search: minilm-384, %d x %d, %d queries; m=%d, ef_construct=%d%n",
        ds.base().length,
        ds.base()[0].length,
        ds.queries().length,
        AnnBench.M,
        AnnBench.EF_CONSTRUCT);
    List<int[][]> truths = new ArrayList<>();
    for (Selective f : filters) {
      long matched = IntStream.range(0, lib.length).filter(f.matches()).count();
      System.out.printf(
          Locale.ROOT,
          "filter %s: %d points (%.2f%%)%n",
          f.label(),
          matched,
          100.0 * matched / lib.length);
      truths.add(groundTruth(ds, f.matches()));
    }

    List<List<AnnBench.Row>> rows = new ArrayList<>();
    filters.forEach(f -> rows.add(new ArrayList<>()));
    try (CollectionRegistry registry = Storage.open(Scratch.dir("quiver-filtered"))) {
      Collection c = build(registry, ds, family, lib);
      for (int k = 0; k < filters.size(); k++) {
        Filter filter = filters.get(k).quiver();
        AnnBench.DataSet sub = withTruth(ds, truths.get(k));
        for (int ef : EFS) {
          rows.get(k).add(AnnBench.measure("quiver", ef, sub, q -> search(c, q, ef, filter, null)));
        }
        if (filters.get(k).walked()) {
          for (int ef : EFS) {
            rows.get(k)
                .add(
                    AnnBench.measure(
                        "quiver-acorn", ef, sub, q -> search(c, q, ef, filter, ACORN_ALWAYS)));
          }
        }
      }
    }
    try (LuceneHnsw lucene =
        new LuceneHnsw(
            Scratch.dir("quiver-filtered-lucene"),
            ds.base(),
            false,
            AnnBench.M,
            AnnBench.EF_CONSTRUCT,
            i -> luceneFields(family[i], lib[i]),
            LuceneHnsw.FLOAT)) {
      for (int k = 0; k < filters.size(); k++) {
        Query filter = filters.get(k).lucene();
        AnnBench.DataSet sub = withTruth(ds, truths.get(k));
        for (int ef : EFS) {
          rows.get(k)
              .add(
                  AnnBench.measure(
                      "lucene",
                      ef,
                      sub,
                      q -> Arrays.stream(lucene.search(q, ef, filter)).asLongStream().toArray()));
        }
      }
    }
    report(filters, rows);
  }

  /** A package name's family: what comes before its first dash (the whole name without one). */
  static String family(String name) {
    int dash = name.indexOf('-');
    return dash < 0 ? name : name.substring(0, dash);
  }

  /**
   * The four filters: one family of about 60 packages (0.1%), {@code php} (1%), {@code python3} or
   * {@code golang} (10%), and libraries or either of those two (50%).
   */
  static List<Selective> filters(String[] family, boolean[] lib) {
    Map<String, Integer> counts = new TreeMap<>();
    for (String f : family) {
      counts.merge(f, 1, Integer::sum);
    }
    int tenth = family.length / 1000;
    String rare =
        counts.entrySet().stream()
            .min(
                Comparator.comparingInt(
                        (Map.Entry<String, Integer> e) -> Math.abs(e.getValue() - tenth))
                    .thenComparing(Map.Entry::getKey))
            .orElseThrow()
            .getKey();
    List<String> pair = List.of("python3", "golang");
    Condition inPair =
        new Condition.MatchAny("family", pair.stream().map(s -> (Value) new Value.Str(s)).toList());
    Query luceneInPair = new TermInSetQuery("family", pair.stream().map(BytesRef::new).toList());
    Query either =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term("lib", "true")), BooleanClause.Occur.SHOULD)
            .add(luceneInPair, BooleanClause.Occur.SHOULD)
            .build();
    return List.of(
        new Selective(
            "0.1% (family " + rare + ")",
            i -> family[i].equals(rare),
            must(new Condition.Match("family", new Value.Str(rare))),
            new TermQuery(new Term("family", rare))),
        new Selective(
            "1% (family php)",
            i -> family[i].equals("php"),
            must(new Condition.Match("family", new Value.Str("php"))),
            new TermQuery(new Term("family", "php"))),
        new Selective(
            "10% (family python3 or golang)",
            i -> pair.contains(family[i]), must(inPair), luceneInPair),
        new Selective(
            "50% (a library, or python3 or golang)",
            i -> lib[i] || pair.contains(family[i]),
            new Filter(
                List.of(),
                List.of(new Condition.Match("lib", new Value.Bool(true)), inPair),
                List.of(),
                null),
            either));
  }

  private static Filter must(Condition c) {
    return new Filter(List.of(c), List.of(), List.of(), null);
  }

  private static List<IndexableField> luceneFields(String family, boolean lib) {
    return List.of(
        new StringField("family", family, Field.Store.NO),
        new StringField("lib", Boolean.toString(lib), Field.Store.NO));
  }

  /** The exact top 10 by dot product among the rows {@code matches} accepts, per query. */
  static int[][] groundTruth(AnnBench.DataSet ds, IntPredicate matches) throws Exception {
    float[][] base = ds.base();
    float[][] queries = ds.queries();
    int[][] truth = new int[queries.length][];
    Thread[] threads = new Thread[2];
    for (int t = 0; t < threads.length; t++) {
      int first = t;
      threads[t] =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int q = first; q < queries.length; q += threads.length) {
                      truth[q] = topTen(base, queries[q], matches);
                    }
                  });
    }
    for (Thread t : threads) {
      t.join();
    }
    return truth;
  }

  private static int[] topTen(float[][] base, float[] q, IntPredicate matches) {
    int[] best = new int[10];
    float[] scores = new float[10];
    Arrays.fill(best, -1);
    Arrays.fill(scores, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < base.length; i++) {
      if (!matches.test(i)) {
        continue;
      }
      float s = 0;
      float[] v = base[i];
      for (int d = 0; d < v.length; d++) {
        s += v[d] * q[d];
      }
      if (s > scores[9]) {
        int at = 9;
        while (at > 0 && scores[at - 1] < s) {
          scores[at] = scores[at - 1];
          best[at] = best[at - 1];
          at--;
        }
        scores[at] = s;
        best[at] = i;
      }
    }
    return best;
  }

  private static AnnBench.DataSet withTruth(AnnBench.DataSet ds, int[][] truth) {
    return new AnnBench.DataSet(ds.name(), ds.base(), ds.queries(), truth, ds.distance());
  }

  /** The collection with each point's family and library flag, both indexed, graph built. */
  private static Collection build(
      CollectionRegistry registry, AnnBench.DataSet ds, String[] family, boolean[] lib)
      throws Exception {
    // Qdrant's default full-scan threshold (10,000 KB), as a user's collection has it
    return AnnBench.build(
        registry,
        ds,
        "filtered",
        HnswConfig.DEFAULT.fullScanThreshold(),
        i ->
            new Value.Struct(
                Map.of("family", new Value.Str(family[i]), "lib", new Value.Bool(lib[i]))),
        Map.of(
            "family", new PayloadIndexSpec("keyword", null),
            "lib", new PayloadIndexSpec("bool", null)));
  }

  /** {@code params.acorn} with {@code max_selectivity} 1.0: every filtered walk as ACORN-1. */
  static final AcornParams ACORN_ALWAYS = new AcornParams(1.0);

  private static long[] search(Collection c, float[] q, int ef, Filter filter, AcornParams acorn) {
    return c
        .reader()
        .search(
            new SearchRequest(
                    "", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, ef, false, filter, null)
                .withAcorn(acorn))
        .stream()
        .mapToLong(p -> ((PointId.Num) p.id()).value())
        .toArray();
  }

  private static void report(List<Selective> filters, List<List<AnnBench.Row>> rows) {
    System.out.println();
    System.out.println("| filter | engine | ef | recall@10 | QPS | p50 ms | p99 ms |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|");
    for (int k = 0; k < filters.size(); k++) {
      for (AnnBench.Row r : rows.get(k)) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %d | %.3f | %.0f | %.3f | %.3f |%n",
            filters.get(k).label(),
            r.engine(),
            r.ef(),
            r.recall(),
            r.qps(),
            r.p50(),
            r.p99());
      }
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "| filter | quiver: lowest recall@10 | quiver best QPS at >= %.2f | lucene best QPS at >="
            + " %.2f | quiver / lucene |%n",
        PROMISE,
        PROMISE);
    System.out.println("|---|---:|---:|---:|---:|");
    for (int k = 0; k < filters.size(); k++) {
      List<AnnBench.Row> r = rows.get(k);
      double lowest =
          r.stream()
              .filter(x -> x.engine().equals("quiver"))
              .mapToDouble(AnnBench.Row::recall)
              .min()
              .orElse(0);
      double ours = best(r, "quiver");
      double theirs = best(r, "lucene");
      System.out.printf(
          Locale.ROOT,
          "| %s | %.3f | %.0f | %.0f | %s |%n",
          filters.get(k).label(),
          lowest,
          ours,
          theirs,
          theirs > 0 && ours > 0 ? String.format(Locale.ROOT, "%.2fx", ours / theirs) : "-");
    }
  }

  private static double best(List<AnnBench.Row> rows, String engine) {
    return rows.stream()
        .filter(r -> r.engine().equals(engine) && r.recall() >= PROMISE)
        .mapToDouble(AnnBench.Row::qps)
        .max()
        .orElse(0);
  }
}
