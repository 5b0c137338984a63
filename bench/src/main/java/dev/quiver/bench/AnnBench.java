package dev.quiver.bench;

import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationParams;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues;

/**
 * The ANN benchmark: Quiver's HNSW (through the storage API, the path the server takes) against
 * JVector, Lucene's HNSW and, when it can be installed, hnswlib, on each data set, with the same
 * {@code m} and {@code ef_construct}: build throughput on two threads, then for several {@code ef}
 * recall@10 against the data set's exact top 100, single-thread queries per second and p50/p99
 * latency; Quiver's exact scan as a fraction of the memory bandwidth measured in the same run; the
 * target ratios; build throughput again in alternating rounds ({@link BuildRounds}, {@code
 * -Dbench.ann.build.rounds}, default 2); and a recall-vs-QPS chart per data set ({@code
 * target/ann-<set>.png}). Fashion-MNIST comes from the Debian package {@code dataset-fashion-mnist}
 * and hnswlib from {@code python3-hnswlib}, which the benchmark installs with apt-get when it may.
 *
 * <p>Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl bench exec:exec@ann} (arguments:
 * data directory, default {@code ../shared/data}; data sets, default {@code
 * minilm-384,fashion-mnist}; {@code -Dbench.ann.queries} queries per set, default 1000).
 */
public final class AnnBench {
  static final int M = 16;
  static final int EF_CONSTRUCT = 100;
  static final int[] EFS = {16, 24, 32, 48, 64, 96, 128, 256};

  /** The settings of the graph-quality comparison (recall against vectors scored). */
  static final int[] WORK_EFS = {10, 16, 24, 32, 48, 64, 96, 128};

  private AnnBench() {}

  /** A data set: base vectors, queries, exact top 100 per query, and its distance. */
  record DataSet(String name, float[][] base, float[][] queries, int[][] gt, Distance distance) {
    double recallTarget() {
      return distance == Distance.EUCLID ? 0.99 : 0.98;
    }
  }

  /** One measured search setting of one engine. */
  record Row(String engine, int ef, double recall, double qps, double p50, double p99) {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args.length > 0 ? args[0] : "../shared/data");
    String sets = args.length > 1 ? args[1] : "minilm-384,fashion-mnist";
    int nq = Integer.getInteger("bench.ann.queries", 1000);
    double bandwidth = Bandwidth.singleThreadBytesPerSecond();
    System.out.printf(
        Locale.ROOT, "memory read bandwidth, one thread: %.1f GB/s%n", bandwidth / 1e9);
    for (String set : sets.split(",")) {
      DataSet ds = DataSets.load(dataDir, set.trim(), nq);
      if (ds == null) {
        continue;
      }
      run(ds, bandwidth);
    }
  }

  private static void run(DataSet ds, double bandwidth) throws Exception {
    System.out.printf(
        Locale.ROOT,
        "%n## %s: %d x %d, %s, %d queries; m=%d, ef_construct=%d; build on 2 threads, search on"
            + " 1%n",
        ds.name(),
        ds.base().length,
        ds.base()[0].length,
        ds.distance().wireName(),
        ds.queries().length,
        M,
        EF_CONSTRUCT);
    Map<String, Double> builds = new LinkedHashMap<>();
    List<Row> rows = new ArrayList<>();
    Path dir = Scratch.dir("quiver-ann");
    double exactQps;
    try (CollectionRegistry registry = Storage.open(dir)) {
      long start = System.nanoTime();
      Collection c = build(registry, ds);
      builds.put("quiver", ds.base().length / ((System.nanoTime() - start) / 1e9));
      for (int ef : EFS) {
        rows.add(measure("quiver", ef, ds, q -> quiverSearch(c, q, ef, false)));
      }
      Row exact = measure("quiver exact", 0, ds, q -> quiverSearch(c, q, null, true));
      exactQps = exact.qps();
      // the same graph walked over quantized codes, rescored with the full vectors
      long metaOp = 1; // the create
      for (var mode : QUANTIZED.entrySet()) {
        quantize(registry, ++metaOp, c, mode.getValue().quantization());
        QuantizationParams params = mode.getValue().params();
        for (int ef : EFS) {
          rows.add(measure(mode.getKey(), ef, ds, q -> quiverSearch(c, q, ef, params)));
        }
      }
    }
    if (System.getProperty("bench.ann.engines", "all").equals("quiver")) {
      report(ds, builds, rows, exactQps, bandwidth); // development runs: Quiver alone
      return;
    }
    try (JVectorHnsw jv =
        new JVectorHnsw(ds.base(), ds.distance() == Distance.EUCLID, M, EF_CONSTRUCT)) {
      builds.put("jvector", ds.base().length / jv.buildSeconds);
      for (int ef : EFS) {
        rows.add(measure("jvector", ef, ds, q -> toLongs(jv.search(q, ef))));
      }
      GraphWork.report(
          GraphWork.quiver(ds, M, EF_CONSTRUCT, WORK_EFS), GraphWork.jvector(ds, jv, WORK_EFS));
    }
    try (LuceneHnsw lucene =
        new LuceneHnsw(
            Scratch.dir("quiver-ann-lucene"),
            ds.base(),
            ds.distance() == Distance.EUCLID,
            M,
            EF_CONSTRUCT)) {
      builds.put("lucene", ds.base().length / lucene.buildSeconds);
      for (int ef : EFS) {
        rows.add(measure("lucene", ef, ds, q -> toLongs(lucene.search(q, ef))));
      }
    }
    // Lucene's own quantized formats, candidates rescored with the float vectors as Quiver's are
    for (var mode : LUCENE_QUANTIZED.entrySet()) {
      String engine = mode.getKey();
      double oversample = mode.getValue().oversample();
      try (LuceneHnsw lucene =
          new LuceneHnsw(
              Scratch.dir("quiver-ann-" + engine.replace(' ', '-')),
              ds.base(),
              ds.distance() == Distance.EUCLID,
              M,
              EF_CONSTRUCT,
              row -> List.of(),
              mode.getValue().format())) {
        builds.put(engine, ds.base().length / lucene.buildSeconds);
        for (int ef : EFS) {
          rows.add(measure(engine, ef, ds, q -> toLongs(lucene.search(q, ef, null, oversample))));
        }
      }
    }
    Hnswlib.Result h = Hnswlib.run(ds, M, EF_CONSTRUCT, EFS);
    if (h != null) {
      builds.put("hnswlib", h.buildPerSecond());
      rows.addAll(h.rows());
    }
    Map<String, Double> rounds =
        BuildRounds.measure(ds, Integer.getInteger("bench.ann.build.rounds", 2));
    report(ds, builds, rows, exactQps, bandwidth);
    System.out.printf(
        Locale.ROOT,
        "build, alternating rounds (sums): quiver / jvector = %.2fx, quiver / lucene = %.2fx"
            + " (targets >= 1.0x)%n",
        rounds.get("quiver") / rounds.get("jvector"),
        rounds.get("quiver") / rounds.get("lucene"));
    Path png = Path.of("target", "ann-" + ds.name() + ".png").toAbsolutePath();
    Charts.recallVsQps(ds.name(), rows, png);
    System.out.println("chart: " + png);
  }

  /** Loads the base vectors (the indexer building the graph on all cores as they arrive). */
  private static Collection build(CollectionRegistry registry, DataSet ds) throws Exception {
    return build(registry, ds, "ann", 0, i -> null, Map.of());
  }

  /**
   * Creates collection {@code name} with {@code ds}'s vectors, {@link #M}, {@link #EF_CONSTRUCT}
   * and {@code fullScanThreshold} (KB), its {@code indexes} on the payload fields, and loads row i
   * with {@code payloads.apply(i)}; returns once the graph holds every vector.
   */
  static Collection build(
      CollectionRegistry registry,
      DataSet ds,
      String name,
      int fullScanThreshold,
      IntFunction<Value.Struct> payloads,
      Map<String, PayloadIndexSpec> indexes)
      throws Exception {
    return build(
        registry,
        ds,
        name,
        new HnswConfig(M, EF_CONSTRUCT, fullScanThreshold, 0, false),
        payloads,
        indexes);
  }

  /** As above, with the HNSW settings {@code hnsw}. */
  static Collection build(
      CollectionRegistry registry,
      DataSet ds,
      String name,
      HnswConfig hnsw,
      IntFunction<Value.Struct> payloads,
      Map<String, PayloadIndexSpec> indexes)
      throws Exception {
    var config =
        new CollectionConfig(
            Map.of(
                CollectionConfig.DEFAULT_VECTOR,
                new VectorParams(ds.base()[0].length, ds.distance(), null)),
            1,
            1,
            1,
            true,
            hnsw,
            OptimizersConfig.DEFAULT,
            new WalConfig(256, 0));
    long meta = 0;
    registry.apply(new CollectionMetaOp.Create(name, config), ++meta);
    for (var index : new TreeMap<>(indexes).entrySet()) {
      registry.apply(
          new CollectionMetaOp.SetPayloadIndex(name, index.getKey(), index.getValue()), ++meta);
    }
    Collection c = registry.require(name);
    long op = 0;
    for (int from = 0; from < ds.base().length; from += 1000) {
      List<Point> batch = new ArrayList<>();
      for (int i = from; i < Math.min(ds.base().length, from + 1000); i++) {
        batch.add(new Point(PointId.of(i), Map.of("", ds.base()[i]), payloads.apply(i)));
      }
      c.writer().apply(++op, new UpdateOp.Upsert(batch));
    }
    c.writer().flush();
    c.writer().awaitIndexed(); // the build ends when the graph holds every vector
    return c;
  }

  /** One of Lucene's quantized formats and the oversampling its candidates are rescored with. */
  private record LuceneQuantized(LuceneHnsw.Format format, double oversample) {}

  /**
   * Lucene's scalar-quantized HNSW at 8, 4 and 1 bits a component (the one-bit codes scored against
   * a 4-bit query, Lucene's BBQ-like encoding), oversampled as Quiver's sq8 and bq are.
   */
  private static final Map<String, LuceneQuantized> LUCENE_QUANTIZED = new LinkedHashMap<>();

  static {
    LUCENE_QUANTIZED.put(
        "lucene sq8",
        new LuceneQuantized(
            LuceneHnsw.quantized(QuantizedByteVectorValues.ScalarEncoding.UNSIGNED_BYTE), 2.0));
    LUCENE_QUANTIZED.put(
        "lucene sq4",
        new LuceneQuantized(
            LuceneHnsw.quantized(QuantizedByteVectorValues.ScalarEncoding.PACKED_NIBBLE), 4.0));
    LUCENE_QUANTIZED.put(
        "lucene bq",
        new LuceneQuantized(
            LuceneHnsw.quantized(QuantizedByteVectorValues.ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE),
            4.0));
  }

  /** A quantization and the search parameters it is measured with. */
  private record Quantized(Quantization quantization, QuantizationParams params) {}

  /** The quantization modes measured, by engine name. */
  private static final Map<String, Quantized> QUANTIZED = new LinkedHashMap<>();

  static {
    QUANTIZED.put(
        "quiver sq8",
        new Quantized(
            new Quantization.Scalar(0.99f, true, null), new QuantizationParams(false, true, 2.0)));
    QUANTIZED.put(
        "quiver bq",
        new Quantized(
            new Quantization.Binary(null, null, true, null),
            new QuantizationParams(false, true, 4.0)));
    QUANTIZED.put(
        "quiver bq2",
        new Quantized(
            new Quantization.Binary(Quantization.BinaryEncoding.TWO_BITS, null, true, null),
            new QuantizationParams(false, true, 4.0)));
    QUANTIZED.put(
        "quiver pq-x16",
        new Quantized(
            new Quantization.Product("x16", true, null), new QuantizationParams(false, true, 4.0)));
    QUANTIZED.put(
        "quiver tq4",
        new Quantized(
            new Quantization.Turbo("bits4", true, null), new QuantizationParams(false, true, 2.0)));
    QUANTIZED.put(
        "quiver tq2",
        new Quantized(
            new Quantization.Turbo("bits2", true, null), new QuantizationParams(false, true, 4.0)));
    QUANTIZED.put(
        "quiver bq-q8",
        new Quantized(
            new Quantization.Binary(null, Quantization.BinaryQueryEncoding.SCALAR8BITS, true, null),
            new QuantizationParams(false, true, 4.0)));
  }

  /**
   * Sets the collection's quantization (as registry op {@code op}: each op number is applied once)
   * and waits for its codes.
   */
  private static void quantize(CollectionRegistry registry, long op, Collection c, Quantization q)
      throws Exception {
    long start = System.nanoTime();
    registry.apply(new CollectionMetaOp.UpdateConfig("ann", c.config().withQuantization(q)), op);
    if (!q.equals(c.config().quantization())) {
      throw new IllegalStateException("the collection did not take " + q);
    }
    c.writer().awaitIndexed(); // trains the quantizer and encodes every vector
    int dim = c.config().vectors().get(CollectionConfig.DEFAULT_VECTOR).size();
    int codeBytes = q.codeBytes(dim);
    System.out.printf(
        Locale.ROOT,
        "%s codes trained and written in %.1f s; %d bytes a vector in RAM (float32: %d)%n",
        q.getClass().getSimpleName(),
        (System.nanoTime() - start) / 1e9,
        codeBytes,
        dim * Float.BYTES);
  }

  private static long[] quiverSearch(Collection c, float[] q, Integer ef, QuantizationParams p) {
    return c
        .reader()
        .search(
            new SearchRequest("", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, ef, false)
                .withQuantization(p))
        .stream()
        .mapToLong(p2 -> ((PointId.Num) p2.id()).value())
        .toArray();
  }

  private static long[] quiverSearch(Collection c, float[] q, Integer ef, boolean exact) {
    return c
        .reader()
        .search(
            new SearchRequest("", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, ef, exact))
        .stream()
        .mapToLong(p -> ((PointId.Num) p.id()).value())
        .toArray();
  }

  static long[] toLongs(int[] rows) {
    return Arrays.stream(rows).asLongStream().toArray();
  }

  /** How many of {@code res} are among query {@code q}'s true ten nearest. */
  static int hits(DataSet ds, int q, long[] res) {
    int hits = 0;
    for (long id : res) {
      for (int i = 0; i < 10; i++) {
        if (ds.gt()[q][i] == id) {
          hits++;
          break;
        }
      }
    }
    return hits;
  }

  private static void report(
      DataSet ds, Map<String, Double> builds, List<Row> rows, double exactQps, double bandwidth) {
    System.out.println();
    System.out.println("| engine | ef | recall@10 | QPS | p50 ms | p99 ms |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %.3f | %.0f | %.3f | %.3f |%n",
          r.engine(),
          r.ef() == 0 ? "-" : Integer.toString(r.ef()),
          r.recall(),
          r.qps(),
          r.p50(),
          r.p99());
    }
    System.out.println();
    System.out.println("| engine | build vectors/s (2 threads) |");
    System.out.println("|---|---:|");
    builds.forEach((k, v) -> System.out.printf(Locale.ROOT, "| %s | %.0f |%n", k, v));
    double scanned = exactQps * ds.base().length * (double) ds.base()[0].length * Float.BYTES;
    System.out.printf(
        Locale.ROOT,
        "%nexact scan: %.0f queries/s x %.0f MB = %.1f GB/s = %.0f%% of the measured bandwidth"
            + " (target >= 60%%)%n",
        exactQps,
        ds.base().length * (double) ds.base()[0].length * Float.BYTES / 1e6,
        scanned / 1e9,
        100 * scanned / bandwidth);
    double target = ds.recallTarget();
    double ours = best(rows, "quiver", target);
    System.out.printf(
        Locale.ROOT, "best single-thread QPS at recall@10 >= %.2f: quiver %.0f", target, ours);
    for (String peer : new String[] {"jvector", "lucene", "hnswlib"}) {
      double theirs = best(rows, peer, target);
      if (theirs > 0) {
        // Lucene's float HNSW is the peer to beat by half again; the others by a fifth
        double goal = peer.equals("lucene") ? 1.5 : 1.2;
        System.out.printf(
            Locale.ROOT, ", %s %.0f (%.2fx, target >= %.1fx)", peer, theirs, ours / theirs, goal);
      }
    }
    System.out.println();
    double quiverCodes = bestQuantized(rows, "quiver ", target);
    double luceneCodes = bestQuantized(rows, "lucene ", target);
    if (quiverCodes > 0 || luceneCodes > 0) {
      System.out.printf(
          Locale.ROOT,
          "best quantized at recall@10 >= %.2f: quiver %.0f, lucene %.0f (%s)%n",
          target,
          quiverCodes,
          luceneCodes,
          luceneCodes > 0 ? String.format(Locale.ROOT, "%.2fx", quiverCodes / luceneCodes) : "-");
    }
    if (builds.containsKey("jvector")) {
      System.out.printf(
          Locale.ROOT,
          "build: quiver / jvector = %.2fx (target >= 1.0x)%n",
          builds.get("quiver") / builds.get("jvector"));
    }
  }

  /**
   * The highest QPS among the quantized modes of an engine (named {@code prefix} and the mode)
   * reaching {@code recall}, or 0.
   */
  private static double bestQuantized(List<Row> rows, String prefix, double recall) {
    return rows.stream()
        .filter(r -> r.engine().startsWith(prefix) && !r.engine().equals("quiver exact"))
        .filter(r -> r.recall() >= recall)
        .mapToDouble(Row::qps)
        .max()
        .orElse(0);
  }

  /** The highest QPS of {@code engine} among settings reaching {@code recall}, or 0. */
  private static double best(List<Row> rows, String engine, double recall) {
    return rows.stream()
        .filter(r -> r.engine().equals(engine) && r.recall() >= recall)
        .mapToDouble(Row::qps)
        .max()
        .orElse(0);
  }

  /** One engine's top-10 row numbers for a query. */
  interface TopTen {
    long[] search(float[] q) throws Exception;
  }

  /** A warm-up pass, then a measured one: recall@10 against the ground truth, QPS, p50 and p99. */
  static Row measure(String engine, int ef, DataSet ds, TopTen search) throws Exception {
    float[][] queries = ds.queries();
    Row row = null;
    for (int pass = 0; pass < 2; pass++) {
      long[] lat = new long[queries.length];
      int hits = 0;
      long start = System.nanoTime();
      for (int q = 0; q < queries.length; q++) {
        long t = System.nanoTime();
        long[] res = search.search(queries[q]);
        lat[q] = System.nanoTime() - t;
        hits += hits(ds, q, res);
      }
      double secs = (System.nanoTime() - start) / 1e9;
      Arrays.sort(lat);
      row =
          new Row(
              engine,
              ef,
              hits / (10.0 * queries.length),
              queries.length / secs,
              lat[lat.length / 2] / 1e6,
              lat[(int) (lat.length * 0.99)] / 1e6);
    }
    System.out.printf(
        Locale.ROOT,
        "  %s ef=%d: recall %.3f, %.0f QPS%n",
        row.engine(),
        row.ef(),
        row.recall(),
        row.qps());
    return row;
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
