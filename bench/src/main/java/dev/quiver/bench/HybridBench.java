package dev.quiver.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.grpc.Points;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Hybrid search end to end against dense search on the same node: {@code minilm-384}'s vectors and
 * texts in one collection (a 384-dimension Cosine vector and a BM25 sparse vector with the IDF
 * modifier, the documents embedded by the node), then its 1,000 queries through the official client
 * over gRPC at 8 clients: dense only ({@code nearest}, top 10) against hybrid (a dense and a BM25
 * prefetch of 20 each, fused by RRF, top 10). Rounds alternate the two, the sums compared.
 *
 * <p>{@code ./mvnw -q -pl bench exec:exec@hybrid [-Dbench.seconds=5]}
 */
public final class HybridBench {
  private static final int ROUNDS = 5;

  private HybridBench() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]).resolve("minilm-384");
    int seconds = Integer.getInteger("bench.seconds", 5);
    float[][] base = AnnBench.fvecs(data.resolve("base.fvecs"));
    float[][] queries = AnnBench.fvecs(data.resolve("query.fvecs"));
    List<String> texts = Files.readAllLines(data.resolve("base.tsv"), StandardCharsets.UTF_8);
    List<String> queryTexts = Files.readAllLines(data.resolve("query.tsv"), StandardCharsets.UTF_8);
    boolean keep = Boolean.getBoolean("bench.keep");
    Path work = Scratch.dir("quiver-hybrid", keep);
    Path tls = Files.createDirectories(work.resolve("tls"));
    TlsCostBench.makeCertificates(tls);
    LoadServer server = LoadServer.start(work.resolve("node"), tls, "plain");
    try {
      LoadTarget t = server.target();
      load(t, base, texts);
      List<Points.QueryPoints> dense = new ArrayList<>();
      List<Points.QueryPoints> hybrid = new ArrayList<>();
      for (int i = 0; i < queries.length; i++) {
        var doc =
            Points.Document.newBuilder()
                .setText(queryTexts.get(i).replace('\t', ' '))
                .setModel("qdrant/bm25")
                .build();
        dense.add(
            Points.QueryPoints.newBuilder()
                .setCollectionName("hybrid")
                .setQuery(QueryFactory.nearest(queries[i]))
                .setLimit(10)
                .build());
        hybrid.add(
            Points.QueryPoints.newBuilder()
                .setCollectionName("hybrid")
                .addPrefetch(
                    Points.PrefetchQuery.newBuilder()
                        .setQuery(QueryFactory.nearest(queries[i]))
                        .setLimit(20))
                .addPrefetch(
                    Points.PrefetchQuery.newBuilder()
                        .setQuery(QueryFactory.nearest(doc))
                        .setUsing("bm25")
                        .setLimit(20))
                .setQuery(QueryFactory.fusion(Points.Fusion.RRF))
                .setLimit(10)
                .build());
      }
      ClosedLoop.Call denseCall =
          r -> ClosedLoop.done(t.grpc().queryAsync(dense.get(r.nextInt(dense.size()))));
      ClosedLoop.Call hybridCall =
          r -> ClosedLoop.done(t.grpc().queryAsync(hybrid.get(r.nextInt(hybrid.size()))));
      // a fresh server compiles its hot paths first: warm both until they have settled
      for (int i = 0; i < 3; i++) {
        ClosedLoop.measure(denseCall, 8, seconds, -1 - i);
        ClosedLoop.measure(hybridCall, 8, seconds, -1 - i);
      }
      double denseSum = 0;
      double hybridSum = 0;
      long errors = 0;
      for (int round = 0; round < ROUNDS; round++) {
        boolean denseFirst = round % 2 == 0; // each goes first in every other round
        ClosedLoop.Sample d = denseFirst ? ClosedLoop.measure(denseCall, 8, seconds, round) : null;
        ClosedLoop.Sample h = ClosedLoop.measure(hybridCall, 8, seconds, round);
        if (d == null) {
          d = ClosedLoop.measure(denseCall, 8, seconds, round);
        }
        denseSum += d.qps();
        hybridSum += h.qps();
        errors += d.errors() + h.errors();
        System.out.printf(
            Locale.ROOT, "round %d: dense %.0f/s, hybrid %.0f/s%n", round + 1, d.qps(), h.qps());
      }
      System.out.printf(
          Locale.ROOT,
          "hybrid (dense + BM25 prefetch, RRF) / dense, gRPC, 8 clients, %d points: %.2f"
              + " (%.0f vs %.0f queries/s, %d errors; target >= 0.5)%n",
          base.length,
          hybridSum / denseSum,
          hybridSum / ROUNDS,
          denseSum / ROUNDS,
          errors);
      t.close();
    } finally {
      server.close();
      if (!keep) {
        Scratch.delete(work);
      }
    }
    System.exit(0);
  }

  /** The collection, its points in batches of 256 over REST (BM25 documents), indexed. */
  private static void load(LoadTarget t, float[][] base, List<String> texts) throws Exception {
    ObjectMapper json = new ObjectMapper();
    t.send(
        "/collections/hybrid",
        "PUT",
        "{\"vectors\":{\"size\":384,\"distance\":\"Cosine\"},"
            + "\"sparse_vectors\":{\"bm25\":{\"modifier\":\"idf\"}}}");
    for (int from = 0; from < base.length; from += 256) {
      ObjectNode body = json.createObjectNode();
      ArrayNode points = body.putArray("points");
      for (int i = from; i < Math.min(base.length, from + 256); i++) {
        ObjectNode p = points.addObject();
        p.put("id", i);
        ObjectNode vector = p.putObject("vector");
        ArrayNode dense = vector.putArray("");
        for (float f : base[i]) {
          dense.add(f);
        }
        ObjectNode doc = vector.putObject("bm25");
        doc.put("text", texts.get(i).replace('\t', ' '));
        doc.put("model", "qdrant/bm25");
      }
      t.send("/collections/hybrid/points?wait=true", "PUT", json.writeValueAsString(body));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    while (System.nanoTime() < deadline) {
      var info = t.http().send(t.get("/collections/hybrid"), HttpResponse.BodyHandlers.ofString());
      if (info.body().contains("\"status\":\"green\"")) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the collection was not indexed within 600 s");
  }
}
