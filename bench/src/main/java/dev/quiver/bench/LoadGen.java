package dev.quiver.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

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
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import io.qdrant.client.ConditionFactory;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.ValueFactory;
import io.qdrant.client.grpc.Common;
import io.qdrant.client.grpc.Points;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * End-to-end load generator: starts a Quiver server as its own process on 127.0.0.1 (the server
 * classes on this classpath, {@code dev.quiver.server.Main}), loads {@code minilm-384} vectors, and
 * drives it through the official Java client (gRPC) and HTTP/1.1 keep-alive JSON (REST) with
 * search, filtered search, 256-point upsert batches ({@code wait=true}) and scroll, at 1, 8 and 32
 * concurrent clients, in three modes: plain; TLS; TLS with an API key and a JWT (RBAC on). Prints
 * QPS, p50, p99 and p99.9 per case as a markdown table, the cost of TLS and of TLS+JWT as
 * throughput ratios against plain, and writes a PNG chart.
 *
 * <p>{@code ./mvnw -q -pl bench exec:exec@load [-Dbench.load.seconds=5]}
 */
public final class LoadGen {
  static final int DIM = 384;
  static final int LOADED = 20_000;
  static final String KEY = "load-generator-api-key-0123456789";
  private static final int[] CLIENTS =
      Arrays.stream(System.getProperty("bench.load.clients", "1,8,32").split(","))
          .mapToInt(x -> Integer.parseInt(x.strip()))
          .toArray();

  /** Upserts come last: the points they add are indexed in the background afterwards. */
  private static final String[] OPS = {"search", "filtered", "scroll", "upsert256"};

  /** The operations to run: all, or those named in {@code -Dbench.load.ops} (comma-separated). */
  private static List<String> ops() {
    String only = System.getProperty("bench.load.ops", "");
    return only.isBlank() || only.startsWith("$")
        ? List.of(OPS)
        : Arrays.stream(only.split(",")).map(String::strip).toList();
  }

  record Case(String mode, String api, String op, int clients) {}

  record Stats(double qps, double p50, double p99, double p999, long errors) {
    /** The requests of several runs of one case as one measurement. */
    static Stats of(List<ClosedLoop.Sample> runs) {
      long[] took = runs.stream().flatMapToLong(r -> Arrays.stream(r.took())).toArray();
      Arrays.sort(took);
      double seconds = runs.stream().mapToDouble(ClosedLoop.Sample::seconds).sum();
      long errors = runs.stream().mapToLong(ClosedLoop.Sample::errors).sum();
      return new Stats(
          took.length / seconds, pct(took, 0.50), pct(took, 0.99), pct(took, 0.999), errors);
    }
  }

  static float[][] data;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path base = args.length > 2 ? Path.of(args[1]).resolve(args[2]).resolve("base.fvecs") : null;
    data = base != null && Files.exists(base) ? AnnBench.fvecs(base) : null;
    if (data == null) {
      System.out.println("no data set found; random vectors");
    }
    Path work =
        Scratch.dir(
            "quiver-load",
            Boolean.getBoolean("bench.keep") || Boolean.getBoolean("bench.load.jfr"));
    Path tls = Files.createDirectories(work.resolve("tls"));
    TlsCostBench.makeCertificates(tls);
    Map<Case, Stats> results = new LinkedHashMap<>();
    List<String> modes =
        List.of(System.getProperty("bench.load.modes", "plain,tls,tls+jwt").split(","));
    Map<String, Opened> opened = new LinkedHashMap<>();
    String baseline = System.getProperty("bench.load.baseline", "");
    if (!baseline.isBlank() && !baseline.startsWith("$")) {
      versus(baseline, work, tls, seconds);
      System.exit(0);
    }
    InProcess inProcess = InProcess.open(work.resolve("engine"));
    Targets targets = null;
    try {
      // The target ratios first, while the servers hold only the loaded points (the upsert cases
      // add to them), from rounds that alternate the cases compared.
      // -Dbench.load.targets=false skips them (a look at one case)
      if (modes.contains("plain")
          && !"false".equals(System.getProperty("bench.load.targets", "true"))) {
        Opened plain = open(opened, "plain", work, tls);
        Opened secure = modes.contains("tls+jwt") ? open(opened, "tls+jwt", work, tls) : null;
        targets =
            Targets.measure(
                inProcess, plain.target(), secure == null ? null : secure.target(), seconds);
        if (ops().contains("upsert256")) {
          targets.measureUpserts(plain.target(), seconds);
        }
      }
      for (String mode : modes) {
        Opened o = open(opened, mode, work, tls);
        try {
          for (String op : ops()) {
            for (String api : System.getProperty("bench.load.apis", "grpc,rest").split(",")) {
              for (int clients : CLIENTS) {
                Case c = new Case(mode, api, op, clients);
                if (op.startsWith("upsert")) {
                  awaitIndexed(o.target());
                }
                Stats s = Stats.of(List.of(run(o.target(), c, seconds)));
                results.put(c, s);
                System.out.printf(
                    Locale.ROOT,
                    "%s %s %s %d clients: %.0f/s p50 %.2f ms p99 %.2f ms%n",
                    mode,
                    api,
                    op,
                    clients,
                    s.qps(),
                    s.p50(),
                    s.p99());
              }
            }
          }
        } finally {
          opened.remove(mode).close();
        }
      }
    } finally {
      for (Opened o : opened.values()) {
        o.close();
      }
      inProcess.close();
    }
    LoadReport.report(results);
    if (targets != null) {
      targets.print();
    }
    Stats upsert = results.get(new Case("plain", "grpc", "upsert256", 8));
    if (upsert != null) {
      System.out.printf(
          Locale.ROOT,
          "- gRPC upsert, 256-point batches with indexing, 8 clients: %.0f points/s"
              + " (target >= 20,000)%n",
          upsert.qps() * 256);
    }
    Path png = Path.of("target", "load.png").toAbsolutePath();
    LoadReport.chart(results, png);
    System.out.println("chart: " + png);
    System.exit(0);
  }

  /**
   * This build's server against another build's ({@code -Dbench.load.baseline=CLASSPATH}, plain
   * mode both): search at 8 clients, gRPC then REST, in five rounds that alternate the two servers,
   * each round's ratio printed and the ratio of the sums reported.
   */
  private static void versus(String baselineClasspath, Path work, Path tls, int seconds)
      throws Exception {
    LoadServer current = LoadServer.start(work.resolve("current"), tls, "plain");
    LoadServer base = LoadServer.start(work.resolve("baseline"), tls, "plain", baselineClasspath);
    LoadTarget now = current.target();
    LoadTarget then = base.target();
    try {
      for (LoadTarget t : List.of(now, then)) {
        load(t);
        ClosedLoop.measure(call(t, "grpc", "search"), 8, 5, 0);
        ClosedLoop.measure(call(t, "rest", "search"), 8, 5, 0);
      }
      for (String api : List.of("grpc", "rest")) {
        double sumNow = 0;
        double sumThen = 0;
        for (int round = 1; round <= 5; round++) {
          // alternate which goes first: the machine's speed drifts within minutes
          boolean nowFirst = round % 2 == 1;
          double a = 0;
          double b = 0;
          for (int half = 0; half < 2; half++) {
            if ((half == 0) == nowFirst) {
              a = ClosedLoop.measure(call(now, api, "search"), 8, seconds, round).qps();
            } else {
              b = ClosedLoop.measure(call(then, api, "search"), 8, seconds, round).qps();
            }
          }
          sumNow += a;
          sumThen += b;
          System.out.printf(
              Locale.ROOT,
              "%s search, 8 clients, round %d: this build %.0f/s, baseline %.0f/s, ratio %.2f%n",
              api,
              round,
              a,
              b,
              a / b);
        }
        System.out.printf(
            Locale.ROOT,
            "%s search, 8 clients: this build / baseline %.3f (sums %.0f / %.0f)%n",
            api,
            sumNow / sumThen,
            sumNow,
            sumThen);
      }
    } finally {
      now.close();
      then.close();
      current.close();
      base.close();
    }
  }

  /** A started server with its points loaded and its code warmed up, and the clients to it. */
  private record Opened(LoadServer server, LoadTarget target) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      try {
        target.close();
      } finally {
        server.close();
      }
    }
  }

  /** The server of {@code mode}, started, loaded and warmed up on first use. */
  private static Opened open(Map<String, Opened> opened, String mode, Path work, Path tls)
      throws Exception {
    Opened o = opened.get(mode);
    if (o != null) {
      return o;
    }
    LoadServer server = LoadServer.start(work.resolve(mode), tls, mode);
    try {
      LoadTarget t = server.target();
      load(t);
      // a fresh server process compiles its hot paths first: warm both APIs before measuring
      ClosedLoop.measure(call(t, "grpc", "search"), 8, 5, 0);
      ClosedLoop.measure(call(t, "rest", "search"), 8, 5, 0);
      ClosedLoop.measure(call(t, "grpc", "filtered"), 8, 2, 0);
      System.out.println(mode + ": loaded and warmed up");
      o = new Opened(server, t);
      opened.put(mode, o);
      return o;
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  /**
   * The target search ratios, 8 clients: gRPC against the same searches in-process on the engine,
   * REST against gRPC, TLS + API key + JWT against plain (gRPC). The machine's speed drifts by ±10%
   * over minutes and more between runs, so the cases compared run in alternating rounds —
   * in-process, then per round gRPC, REST, gRPC with TLS+JWT and in-process again — and each round
   * gives its own ratios; the ratio reported is that of the sums.
   */
  private record Targets(
      List<ClosedLoop.Sample> engine,
      List<ClosedLoop.Sample> grpc,
      List<ClosedLoop.Sample> rest,
      List<ClosedLoop.Sample> secure,
      List<ClosedLoop.Sample> grpcUpserts,
      List<ClosedLoop.Sample> restUpserts,
      List<ClosedLoop.Sample> grpcBulk,
      List<ClosedLoop.Sample> restBulk) {
    static final int ROUNDS = 3;

    static Targets measure(InProcess inProcess, LoadTarget plain, LoadTarget secure, int seconds)
        throws Exception {
      Targets t =
          new Targets(
              new ArrayList<>(),
              new ArrayList<>(),
              new ArrayList<>(),
              new ArrayList<>(),
              new ArrayList<>(),
              new ArrayList<>(),
              new ArrayList<>(),
              new ArrayList<>());
      t.engine.add(inProcess.measure(seconds));
      for (int round = 0; round < ROUNDS; round++) {
        t.grpc.add(run(plain, new Case("plain", "grpc", "search", 8), seconds));
        t.rest.add(run(plain, new Case("plain", "rest", "search", 8), seconds));
        if (secure != null) {
          t.secure.add(run(secure, new Case("tls+jwt", "grpc", "search", 8), seconds));
        }
        t.engine.add(inProcess.measure(seconds));
        System.out.printf(
            Locale.ROOT,
            "round %d: in-process %.0f/s, gRPC %.0f/s, REST %.0f/s%s, in-process %.0f/s%n",
            round + 1,
            t.engine.get(round).qps(),
            t.grpc.get(round).qps(),
            t.rest.get(round).qps(),
            secure == null
                ? ""
                : String.format(Locale.ROOT, ", gRPC TLS+JWT %.0f/s", t.secure.get(round).qps()),
            t.engine.get(round + 1).qps());
      }
      return t;
    }

    /**
     * REST against gRPC bulk upserts (256-point batches, 8 clients), in alternating rounds whose
     * first API alternates too: into a collection that indexes nothing, made anew before each run
     * (a run into the points its predecessors left would pay for their size: larger files, more
     * dirty pages behind each fsync), then into the indexed collection, each run after its graph
     * has caught up. Run after the searches: upserts grow that collection.
     */
    void measureUpserts(LoadTarget plain, int seconds) throws Exception {
      alternate(
          plain,
          "bulk256",
          () -> {
            plain.send("/collections/bulk", "DELETE", "");
            plain.send(
                "/collections/bulk",
                "PUT",
                "{\"vectors\":{\"size\":384,\"distance\":\"Cosine\"},"
                    + "\"optimizers_config\":{\"indexing_threshold\":0}}");
          },
          grpcBulk,
          restBulk,
          seconds);
      alternate(plain, "upsert256", () -> awaitIndexed(plain), grpcUpserts, restUpserts, seconds);
    }

    /** What is done before each run of {@link #alternate}. */
    interface Setup {
      void run() throws Exception;
    }

    /**
     * Rounds of gRPC and REST {@code op}, gRPC first in odd rounds and REST first in even ones,
     * each run after {@code before}.
     */
    private static void alternate(
        LoadTarget plain,
        String op,
        Setup before,
        List<ClosedLoop.Sample> grpc,
        List<ClosedLoop.Sample> rest,
        int seconds)
        throws Exception {
      for (int round = 0; round < ROUNDS; round++) {
        List<String> order = round % 2 == 0 ? List.of("grpc", "rest") : List.of("rest", "grpc");
        for (String api : order) {
          before.run();
          (api.equals("grpc") ? grpc : rest)
              .add(run(plain, new Case("plain", api, op, 8), seconds));
        }
        System.out.printf(
            Locale.ROOT,
            "%s round %d (%s first): gRPC %.0f points/s, REST %.0f points/s%n",
            op,
            round + 1,
            order.getFirst().equals("grpc") ? "gRPC" : "REST",
            grpc.get(round).qps() * 256,
            rest.get(round).qps() * 256);
      }
    }

    /** The ratio of each round's {@code a} to its {@code b}, then that of all rounds together. */
    private static String ratio(List<Double> a, List<Double> b) {
      StringBuilder out = new StringBuilder();
      double sa = 0;
      double sb = 0;
      for (int i = 0; i < a.size(); i++) {
        out.append(i == 0 ? "rounds " : ", ")
            .append(String.format(Locale.ROOT, "%.2f", a.get(i) / b.get(i)));
        sa += a.get(i);
        sb += b.get(i);
      }
      return String.format(
          Locale.ROOT, "%.0f / %.0f = %.2f (%s)", sa / a.size(), sb / b.size(), sa / sb, out);
    }

    private static List<Double> qps(List<ClosedLoop.Sample> runs) {
      return runs.stream().map(ClosedLoop.Sample::qps).toList();
    }

    void print() {
      // each gRPC round against the mean of the in-process runs either side of it
      List<Double> around = new ArrayList<>();
      for (int i = 0; i < grpc.size(); i++) {
        around.add((engine.get(i).qps() + engine.get(i + 1).qps()) / 2);
      }
      System.out.printf(
          Locale.ROOT,
          "%ntargets (8 clients, plain unless noted; %d alternating rounds of %s):%n"
              + "- gRPC search / in-process engine search: %s (target >= 0.6)%n"
              + "- REST search / gRPC search: %s (target >= 0.8)%n",
          grpc.size(),
          secure.isEmpty() ? "in-process, gRPC, REST" : "in-process, gRPC, REST, gRPC TLS+JWT",
          ratio(qps(grpc), around),
          ratio(qps(rest), qps(grpc)));
      if (!secure.isEmpty()) {
        System.out.printf(
            Locale.ROOT,
            "- gRPC search with TLS + API key + JWT / plain: %s (target >= 0.85)%n",
            ratio(qps(secure), qps(grpc)));
      }
      if (!grpcBulk.isEmpty()) {
        System.out.printf(
            Locale.ROOT,
            "- REST / gRPC bulk upserts, 256-point batches, indexing off (batches/s): %s"
                + " (target >= 0.7)%n",
            ratio(qps(restBulk), qps(grpcBulk)));
        System.out.printf(
            Locale.ROOT,
            "- REST / gRPC upserts, 256-point batches, indexing on, drained before each"
                + " (batches/s): %s%n",
            ratio(qps(restUpserts), qps(grpcUpserts)));
      }
    }
  }

  // ---- the workload ----

  static float[] vector(long i, Random r) {
    if (data != null) {
      return data[(int) (i % data.length)];
    }
    float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = r.nextFloat() - 0.5f;
    }
    return v;
  }

  private static final AtomicLong NEXT_ID = new AtomicLong(LOADED);

  static String points(long from, int n, Random r) {
    StringBuilder b = new StringBuilder(n * DIM * 12).append("{\"points\":[");
    for (int i = 0; i < n; i++) {
      long id = from + i;
      b.append(i > 0 ? "," : "").append("{\"id\":").append(id).append(",\"vector\":");
      b.append(vectorJson(id, r));
      b.append(",\"payload\":{\"bucket\":").append(id % 10).append("}}");
    }
    return b.append("]}").toString();
  }

  /**
   * The body of {@link #points} as the pieces it is made of, each vector's JSON bytes made once
   * ({@link #vectorBytes}) and written to the connection as they are, as a gRPC batch refers to
   * vector messages made once: the client neither formats nor copies the vectors a request.
   */
  static byte[][] pointsParts(long from, int n, Random r) {
    byte[][] parts = new byte[n * 3 + 2][];
    int k = 0;
    parts[k++] = "{\"points\":[".getBytes(UTF_8);
    for (int i = 0; i < n; i++) {
      long id = from + i;
      parts[k++] = ((i > 0 ? "," : "") + "{\"id\":" + id + ",\"vector\":").getBytes(UTF_8);
      parts[k++] = vectorBytes(id, r);
      parts[k++] = (",\"payload\":{\"bucket\":" + id % 10 + "}}").getBytes(UTF_8);
    }
    parts[k] = "]}".getBytes(UTF_8);
    return parts;
  }

  private static volatile AtomicReferenceArray<byte[]> vectorBytes;

  /** {@link #vectorJson} as UTF-8, made once per data set vector. */
  static byte[] vectorBytes(long id, Random r) {
    if (data == null) {
      return vectorJson(id, r).getBytes(UTF_8);
    }
    if (vectorBytes == null) {
      vectorBytes = new AtomicReferenceArray<>(data.length);
    }
    int k = (int) (id % data.length);
    byte[] bytes = vectorBytes.get(k);
    if (bytes == null) {
      bytes = vectorJson(id, r).getBytes(UTF_8);
      vectorBytes.set(k, bytes);
    }
    return bytes;
  }

  /**
   * Each data set vector's JSON text and gRPC message, made once: the upsert clients share the
   * cores with the server, and formatting 98,304 floats a request would measure the client (the
   * searches' requests are encoded once for the same reason). Random vectors are made per call.
   */
  private static volatile AtomicReferenceArray<String> vectorTexts;

  private static volatile AtomicReferenceArray<Points.Vectors> vectorMessages;

  static String vectorJson(long id, Random r) {
    if (data == null) {
      StringBuilder b = new StringBuilder(DIM * 12);
      appendVector(b, vector(id, r));
      return b.toString();
    }
    if (vectorTexts == null) {
      vectorTexts = new AtomicReferenceArray<>(data.length);
    }
    int k = (int) (id % data.length);
    String text = vectorTexts.get(k);
    if (text == null) {
      StringBuilder b = new StringBuilder(DIM * 12);
      appendVector(b, data[k]);
      text = b.toString();
      vectorTexts.set(k, text);
    }
    return text;
  }

  static Points.Vectors vectorMessage(long id, Random r) {
    if (data != null && vectorMessages == null) {
      vectorMessages = new AtomicReferenceArray<>(data.length);
    }
    int k = data == null ? -1 : (int) (id % data.length);
    Points.Vectors m = k < 0 ? null : vectorMessages.get(k);
    if (m == null) {
      var dense = Points.DenseVector.newBuilder();
      for (float f : vector(id, r)) {
        dense.addData(f);
      }
      m = Points.Vectors.newBuilder().setVector(Points.Vector.newBuilder().setDense(dense)).build();
      if (k >= 0) {
        vectorMessages.set(k, m);
      }
    }
    return m;
  }

  static void appendVector(StringBuilder b, float[] v) {
    b.append('[');
    for (int d = 0; d < v.length; d++) {
      b.append(d > 0 ? "," : "").append(v[d]);
    }
    b.append(']');
  }

  /** The same collection and searches called on the storage engine in this process. */
  private record InProcess(CollectionRegistry registry, ClosedLoop.Call search)
      implements AutoCloseable {
    static InProcess open(Path dir) throws Exception {
      var registry = Storage.open(dir);
      var config =
          new CollectionConfig(
              Map.of("", new VectorParams(DIM, Distance.COSINE, null)),
              1,
              1,
              1,
              true,
              HnswConfig.DEFAULT,
              OptimizersConfig.DEFAULT,
              WalConfig.DEFAULT);
      registry.apply(new CollectionMetaOp.Create("load", config), 1);
      var c = registry.require("load");
      Random r = new Random(1);
      long op = 0;
      for (int from = 0; from < LOADED; from += 500) {
        List<Point> batch = new ArrayList<>();
        for (int i = from; i < from + 500; i++) {
          batch.add(
              new Point(
                  PointId.of(i),
                  Map.of("", vector(i, r)),
                  new Value.Struct(Map.of("bucket", new Value.Int(i % 10)))));
        }
        c.writer().apply(++op, new UpdateOp.Upsert(batch));
      }
      c.writer().flush();
      c.writer().awaitIndexed();
      ClosedLoop.Call search =
          rr ->
              CompletableFuture.completedFuture(
                  c.reader()
                      .search(
                          new SearchRequest(
                              "",
                              vector(rr.nextInt(LOADED), rr),
                              10,
                              0,
                              null,
                              WithPayload.NONE,
                              WithVectors.NONE)));
      return new InProcess(registry, search);
    }

    ClosedLoop.Sample measure(int seconds) throws Exception {
      return ClosedLoop.measure(search, 8, seconds, 1);
    }

    @Override
    public void close() throws Exception {
      registry.close();
    }
  }

  static void load(LoadTarget t) throws Exception {
    t.send("/collections/load", "PUT", "{\"vectors\":{\"size\":384,\"distance\":\"Cosine\"}}");
    t.send(
        "/collections/load/index?wait=true",
        "PUT",
        "{\"field_name\":\"bucket\",\"field_schema\":\"integer\"}");
    Random r = new Random(1);
    for (int from = 0; from < LOADED; from += 500) {
      t.send("/collections/load/points?wait=true", "PUT", points(from, 500, r));
    }
    awaitIndexed(t); // measure on a built graph, as the in-process baseline does
  }

  /**
   * Waits until the collection's graph holds every point (status green): an upsert case measured
   * while an earlier one's backlog is still indexed would pay for it (writers index past 20,000
   * pending vectors).
   */
  static void awaitIndexed(LoadTarget t) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < deadline) {
      var info = t.http().send(t.get("/collections/load"), HttpResponse.BodyHandlers.ofString());
      if (info.body().contains("\"status\":\"green\"")) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the collection was not indexed within 300 s");
  }

  static ClosedLoop.Call call(LoadTarget t, String api, String op) {
    boolean grpc = api.equals("grpc");
    return switch (op) {
      case "search", "filtered" -> {
        // 1,024 requests encoded once (the same queries for both APIs): the clients share the
        // cores with the server, and formatting 384 floats per request would measure the client
        boolean filtered = op.equals("filtered");
        int pool = 1024;
        Random seed = new Random(op.hashCode());
        Points.QueryPoints[] messages = new Points.QueryPoints[pool];
        String[] bodies = new String[pool];
        for (int k = 0; k < pool; k++) {
          float[] q = vector(seed.nextInt(LOADED), seed);
          var b =
              Points.QueryPoints.newBuilder()
                  .setCollectionName("load")
                  .setQuery(QueryFactory.nearest(q))
                  .setLimit(10);
          StringBuilder body = new StringBuilder("{\"query\":");
          appendVector(body, q);
          body.append(",\"limit\":10");
          if (filtered) {
            b.setFilter(Common.Filter.newBuilder().addMust(ConditionFactory.match("bucket", 3)));
            body.append(",\"filter\":{\"must\":[{\"key\":\"bucket\",\"match\":{\"value\":3}}]}");
          }
          messages[k] = b.build();
          bodies[k] = body.append('}').toString();
        }
        yield r -> {
          int k = r.nextInt(pool);
          return grpc
              ? ClosedLoop.done(t.grpc().queryAsync(messages[k]))
              : t.sendAsync("/collections/load/points/query", "POST", bodies[k]);
        };
      }
      case "upsert256", "bulk256" ->
          r -> {
            // bulk256: the same batches into a collection that indexes nothing (a bulk load)
            String collection = op.equals("bulk256") ? "bulk" : "load";
            long from = NEXT_ID.getAndAdd(256);
            if (grpc) {
              var b = Points.UpsertPoints.newBuilder().setCollectionName(collection).setWait(true);
              for (int i = 0; i < 256; i++) {
                b.addPoints(
                    Points.PointStruct.newBuilder()
                        .setId(PointIdFactory.id(from + i))
                        .setVectors(vectorMessage(from + i, r))
                        .putPayload("bucket", ValueFactory.value((from + i) % 10)));
              }
              return ClosedLoop.done(t.grpc().upsertAsync(b.build()));
            }
            return t.sendAsync(
                "/collections/" + collection + "/points?wait=true",
                "PUT",
                pointsParts(from, 256, r));
          };
      case "floor" ->
          r ->
              grpc
                  ? ClosedLoop.done(t.grpc().healthCheckAsync())
                  : t.sendAsync("/", "GET", (String) null);
      case "scroll" ->
          r -> {
            long offset = r.nextInt(LOADED - 200);
            if (grpc) {
              return ClosedLoop.done(
                  t.grpc()
                      .scrollAsync(
                          Points.ScrollPoints.newBuilder()
                              .setCollectionName("load")
                              .setOffset(PointIdFactory.id(offset))
                              .setLimit(100)
                              .build()));
            }
            return t.sendAsync(
                "/collections/load/points/scroll",
                "POST",
                "{\"offset\":" + offset + ",\"limit\":100,\"with_payload\":true}");
          };
      default -> throw new IllegalArgumentException(op);
    };
  }

  private static ClosedLoop.Sample run(LoadTarget t, Case c, int seconds) throws Exception {
    return ClosedLoop.measure(call(t, c.api(), c.op()), c.clients(), seconds, c.hashCode());
  }

  private static double pct(long[] sorted, double q) {
    return sorted.length == 0
        ? 0
        : sorted[(int) Math.min(sorted.length - 1, sorted.length * q)] / 1e6;
  }
}
