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
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * BM25 as sparse vectors against Lucene's BM25 on the same texts ({@code minilm-384}'s {@code
 * base.tsv} and {@code query.tsv}) and the same analyzer (Lucene's English analyzer: lower case,
 * English stop words, Porter stemming). Each document becomes a sparse vector of its terms weighted
 * {@code tf (k + 1) / (tf + k (1 - b + b len / avg_len))} with the corpus's average length, as
 * Qdrant's BM25 weighs them; each query term weighs 1 and the collection's IDF modifier applies.
 * Single thread, top 10, every query, rounds alternating between the two engines and the times
 * summed. Quiver's results are checked against an exact scan of the same vectors. Reports the
 * queries per second of each, their ratio, the results' agreement and the heap per posting.
 */
public final class SparseBench {
  private static final double K = 1.2;
  private static final double B = 0.75;
  private static final int ROUNDS = 3;

  private SparseBench() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]).resolve("minilm-384");
    List<String> docs = texts(data.resolve("base.tsv"));
    List<String> queries = texts(data.resolve("query.tsv"));
    Analyzer analyzer = new EnglishAnalyzer();
    Map<String, Integer> dims = new HashMap<>();
    List<Map<Integer, Integer>> tfs = new ArrayList<>(docs.size());
    long totalLength = 0;
    for (String d : docs) {
      Map<Integer, Integer> tf = new LinkedHashMap<>();
      for (String t : tokens(analyzer, d)) {
        tf.merge(dims.computeIfAbsent(t, k -> dims.size()), 1, Integer::sum);
        totalLength++;
      }
      tfs.add(tf);
    }
    double avgLen = (double) totalLength / docs.size();

    // Lucene
    var dir = new ByteBuffersDirectory();
    try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(analyzer))) {
      for (String d : docs) {
        Document doc = new Document();
        doc.add(new TextField("body", d, Field.Store.NO));
        w.addDocument(doc);
      }
      w.forceMerge(1);
    }
    DirectoryReader reader = DirectoryReader.open(dir);
    IndexSearcher searcher = new IndexSearcher(reader);
    List<Query> luceneQueries = new ArrayList<>();
    List<SparseVector> sparseQueries = new ArrayList<>();
    for (String q : queries) {
      BooleanQuery.Builder b = new BooleanQuery.Builder();
      List<Integer> ids = new ArrayList<>();
      for (String t : new LinkedHashSet<>(tokens(analyzer, q))) {
        b.add(new TermQuery(new Term("body", t)), BooleanClause.Occur.SHOULD);
        Integer id = dims.get(t);
        if (id != null) {
          ids.add(id);
        }
      }
      luceneQueries.add(b.build());
      float[] ones = new float[ids.size()];
      Arrays.fill(ones, 1f);
      sparseQueries.add(SparseVector.of(ids.stream().mapToInt(Integer::intValue).toArray(), ones));
    }

    // Quiver: the documents' vectors first, so the heap measured next is the shard's own
    List<SparseVector> vectors = new ArrayList<>(docs.size());
    long postings = 0;
    for (Map<Integer, Integer> tf : tfs) {
      int[] idx = new int[tf.size()];
      float[] val = new float[tf.size()];
      int n = 0;
      int len = tf.values().stream().mapToInt(Integer::intValue).sum();
      for (var e : tf.entrySet()) {
        idx[n] = e.getKey();
        double f = e.getValue();
        val[n++] = (float) (f * (K + 1) / (f + K * (1 - B + B * len / avgLen)));
      }
      postings += n;
      vectors.add(SparseVector.of(idx, val));
    }
    tfs.clear();
    Path scratch = Scratch.dir("quiver-sparse");
    System.gc();
    long heapBefore = usedHeap();
    try (CollectionRegistry registry = Storage.open(scratch)) {
      Collection c = load(registry, "heap", false, vectors, null);
      System.gc();
      long heapAfter = usedHeap();
      long diskAfterHeapLoad = diskBytes(scratch);
      Collection onDisk = load(registry, "disk", true, vectors, null);
      System.gc();
      long heapAfterDisk = usedHeap();
      // the index's weights in 2 and 1 bytes (float16, uint8), on disk
      Collection half = load(registry, "half", true, vectors, VectorDatatype.FLOAT16);
      Collection bytes = load(registry, "bytes", true, vectors, VectorDatatype.UINT8);
      // the vectors the shard holds: two arrays and a record each, 8 bytes per posting
      long vectorBytes = postings * 8L + vectors.size() * (16L + 16 + 16 + 16);

      // exactness: the index's top 10 against a scan of every vector, on the heap and on disk
      int exactMatches = 0;
      int diskMatches = 0;
      int luceneOverlap = 0;
      int halfOverlap = 0;
      int bytesOverlap = 0;
      for (int i = 0; i < sparseQueries.size(); i++) {
        List<ScoredPoint> fast = quiver(c, sparseQueries.get(i), false);
        List<ScoredPoint> exact = quiver(c, sparseQueries.get(i), true);
        halfOverlap += overlap(quiver(half, sparseQueries.get(i), false), exact);
        bytesOverlap += overlap(quiver(bytes, sparseQueries.get(i), false), exact);
        exactMatches += sameScores(fast, exact) ? 1 : 0;
        diskMatches += sameScores(quiver(onDisk, sparseQueries.get(i), false), exact) ? 1 : 0;
        var lucene = new HashSet<Long>();
        for (var sd : searcher.search(luceneQueries.get(i), 10).scoreDocs) {
          lucene.add((long) sd.doc);
        }
        for (ScoredPoint p : fast) {
          luceneOverlap += lucene.contains(((PointId.Num) p.id()).value()) ? 1 : 0;
        }
      }

      long luceneNanos = 0;
      long quiverNanos = 0;
      long diskNanos = 0;
      long halfNanos = 0;
      long bytesNanos = 0;
      long sink = 0;
      for (int round = 0; round < ROUNDS; round++) {
        long t0 = System.nanoTime();
        for (Query q : luceneQueries) {
          sink += searcher.search(q, 10).scoreDocs.length;
        }
        long t1 = System.nanoTime();
        for (SparseVector q : sparseQueries) {
          sink += quiver(c, q, false).size();
        }
        long t2 = System.nanoTime();
        for (SparseVector q : sparseQueries) {
          sink += quiver(onDisk, q, false).size();
        }
        long t3 = System.nanoTime();
        for (SparseVector q : sparseQueries) {
          sink += quiver(half, q, false).size();
        }
        long t4 = System.nanoTime();
        for (SparseVector q : sparseQueries) {
          sink += quiver(bytes, q, false).size();
        }
        long t5 = System.nanoTime();
        if (round > 0) { // the first round warms them up
          luceneNanos += t1 - t0;
          quiverNanos += t2 - t1;
          diskNanos += t3 - t2;
          halfNanos += t4 - t3;
          bytesNanos += t5 - t4;
        }
      }
      int n = sparseQueries.size() * (ROUNDS - 1);
      double luceneQps = n / (luceneNanos / 1e9);
      double quiverQps = n / (quiverNanos / 1e9);
      double diskQps = n / (diskNanos / 1e9);
      double halfQps = n / (halfNanos / 1e9);
      double bytesQps = n / (bytesNanos / 1e9);
      System.out.printf(
          Locale.ROOT,
          "sparse BM25, %d documents, %d queries, %d postings (%.1f per document), top 10,"
              + " 1 thread%n",
          docs.size(),
          sparseQueries.size(),
          postings,
          (double) postings / docs.size());
      System.out.printf(Locale.ROOT, "  lucene BM25              %,10.0f q/s%n", luceneQps);
      System.out.printf(Locale.ROOT, "  quiver sparse (heap)     %,10.0f q/s%n", quiverQps);
      System.out.printf(Locale.ROOT, "  quiver sparse (on disk)  %,10.0f q/s%n", diskQps);
      System.out.printf(Locale.ROOT, "  quiver / lucene          %10.2f%n", quiverQps / luceneQps);
      System.out.printf(Locale.ROOT, "  on disk / heap           %10.2f%n", diskQps / quiverQps);
      for (var narrow :
          List.of(
              new Narrow("float16", halfQps, halfOverlap, sealedBytes(scratch, "half")),
              new Narrow("uint8  ", bytesQps, bytesOverlap, sealedBytes(scratch, "bytes")))) {
        System.out.printf(
            Locale.ROOT,
            "  quiver on disk, %s  %,10.0f q/s, top 10 overlap with the exact float32 top 10"
                + " %.1f%%, sealed lists %.1f bytes per posting%n",
            narrow.name(),
            narrow.qps(),
            100.0 * narrow.overlap() / (10.0 * sparseQueries.size()),
            (double) narrow.sealed() / postings);
      }
      System.out.printf(
          Locale.ROOT,
          "  exact top 10: %d (heap) and %d (on disk) of %d queries; overlap with lucene's top 10:"
              + " %.1f%%%n",
          exactMatches,
          diskMatches,
          sparseQueries.size(),
          100.0 * luceneOverlap / (10.0 * sparseQueries.size()));
      System.out.printf(
          Locale.ROOT,
          "  heap, index on the heap: %.1f bytes per posting (inverted lists, slot tables and point"
              + " entries %.1f, stored vectors %.1f); on disk %.1f bytes per posting (the shard's"
              + " files after the load)%n",
          (double) (heapAfter - heapBefore + vectorBytes) / postings,
          (double) (heapAfter - heapBefore) / postings,
          (double) vectorBytes / postings,
          (double) diskAfterHeapLoad / postings);
      System.out.printf(
          Locale.ROOT,
          "  heap, index on disk: %.1f bytes per posting (slot tables, point entries and the heap"
              + " part of the lists %.1f, stored vectors %.1f); sealed lists %.1f bytes per posting"
              + " in mapped files%n",
          (double) (heapAfterDisk - heapAfter + vectorBytes) / postings,
          (double) (heapAfterDisk - heapAfter) / postings,
          (double) vectorBytes / postings,
          (double) sealedBytes(scratch, "disk") / postings);
      System.out.println("  (checksum " + sink % 10 + ")");
    } finally {
      reader.close();
      Scratch.delete(scratch);
    }
  }

  /**
   * A collection holding {@code vectors} as the sparse vector {@code bm25} (IDF modifier), its
   * index's weights as {@code datatype} (null: float32).
   */
  private static Collection load(
      CollectionRegistry registry,
      String name,
      boolean onDisk,
      List<SparseVector> vectors,
      VectorDatatype datatype) {
    var config =
        new CollectionConfig(
                Map.of("", new VectorParams(1, Distance.DOT, null)),
                1,
                1,
                1,
                true,
                HnswConfig.DEFAULT,
                OptimizersConfig.DEFAULT,
                new WalConfig(256, 0))
            .withSparseVectors(
                Map.of(
                    "bm25",
                    new SparseVectorParams(
                        null, onDisk, SparseVectorParams.Modifier.IDF, null, datatype)));
    registry.apply(new CollectionMetaOp.Create(name, config), registry.list().size() + 1L);
    Collection c = registry.require(name);
    long op = 0;
    for (int from = 0; from < vectors.size(); from += 1000) {
      List<Point> batch = new ArrayList<>();
      for (int i = from; i < Math.min(vectors.size(), from + 1000); i++) {
        batch.add(
            new Point(
                PointId.of(i), Map.of("", new float[] {1}), Map.of("bm25", vectors.get(i)), null));
      }
      c.writer().apply(++op, new UpdateOp.Upsert(batch));
    }
    c.writer().flush();
    return c;
  }

  /** What a collection with narrow index weights measured. */
  private record Narrow(String name, double qps, int overlap, long sealed) {}

  /** How many of {@code exact}'s points {@code got} has. */
  private static int overlap(List<ScoredPoint> got, List<ScoredPoint> exact) {
    Set<PointId> ids = new HashSet<>();
    exact.forEach(p -> ids.add(p.id()));
    return (int) got.stream().filter(p -> ids.contains(p.id())).count();
  }

  private static boolean sameScores(List<ScoredPoint> a, List<ScoredPoint> b) {
    boolean same = a.size() == b.size();
    for (int j = 0; same && j < a.size(); j++) {
      same = Math.abs(a.get(j).score() - b.get(j).score()) < 1e-4f;
    }
    return same;
  }

  private static List<ScoredPoint> quiver(Collection c, SparseVector q, boolean exact) {
    return c.reader()
        .search(
            SearchRequest.sparse(
                "bm25", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, exact, null));
  }

  /** Bytes of the files under {@code dir}. */
  private static long diskBytes(Path dir) throws IOException {
    return bytes(dir, f -> true);
  }

  /** Bytes of collection {@code name}'s sealed posting files under {@code dir}. */
  private static long sealedBytes(Path dir, String name) throws IOException {
    return bytes(
        dir,
        f -> f.toString().endsWith(".qsp") && dir.relativize(f).toString().contains(name + "/"));
  }

  private static long bytes(Path dir, Predicate<Path> which) throws IOException {
    try (var files = Files.walk(dir)) {
      return files
          .filter(f -> Files.isRegularFile(f) && which.test(f))
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private static List<String> texts(Path tsv) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
      out.add(line.replace('\t', ' '));
    }
    return out;
  }

  private static List<String> tokens(Analyzer analyzer, String text) throws IOException {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream("body", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    }
    return out;
  }
}
