package dev.quiver.bench;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Tenant-filtered search with and without payload-aware links ({@code payload_m}), on minilm-384:
 * each point belongs to one of {@code T} tenants drawn at random (so a tenant's points are spread
 * over the whole vector space, as users' documents are), and each query asks for the top 10 of one
 * tenant. Three collections, each with a keyword index on the tenant field: the plain graph ({@code
 * m 16}, the index not marked {@code is_tenant}: a search for a tenant of at least a tenth of the
 * points walks the whole graph and keeps the tenant's points, a smaller one is scanned), tenant
 * links beside it ({@code is_tenant}, {@code payload_m} 16), and tenant links alone ({@code m 0},
 * Qdrant's recipe for collections searched one tenant at a time). For each: the build time, then
 * recall@10 against the exact top 10 of the query's tenant and single-thread QPS at each {@code
 * ef}, and the exact search for reference; for 8 tenants (12.5% each: the plain graph is walked)
 * and 24 (4.2%: the plain collection scans).
 *
 * <p>Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl bench exec:exec@tenants} (argument:
 * data directory, default {@code ../shared/data}; {@code -Dbench.tenants.count}, default 8; {@code
 * -Dbench.tenants.queries}, default 1000).
 */
public final class TenantBench {
  static final int[] EFS = {16, 32, 64, 128};

  private TenantBench() {}

  record Setup(String label, HnswConfig hnsw, boolean tenantIndex) {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args.length > 0 ? args[0] : "../shared/data");
    int nq = Integer.getInteger("bench.tenants.queries", 1000);
    AnnBench.DataSet ds = DataSets.load(dataDir, "minilm-384", nq);
    if (ds == null) {
      System.out.println("minilm-384 not found under " + dataDir);
      return;
    }
    List<String> out = new ArrayList<>();
    out.add("| tenants | collection | build s | ef | recall@10 | QPS | p50 ms | p99 ms |");
    out.add("|---|---|---:|---:|---:|---:|---:|---:|");
    for (String count : System.getProperty("bench.tenants.count", "8,24").split(",")) {
      run(ds, Integer.parseInt(count.strip()), out);
    }
    System.out.println();
    out.forEach(System.out::println);
  }

  /** The three collections with {@code tenants} tenants: a row of {@code out} per search. */
  private static void run(AnnBench.DataSet ds, int tenants, List<String> out) throws Exception {
    int[] tenant = new int[ds.base().length];
    Random r = new Random(42);
    for (int i = 0; i < tenant.length; i++) {
      tenant[i] = r.nextInt(tenants);
    }
    float[][] queries = ds.queries();
    int[][] truth = new int[queries.length][];
    Map<float[], Filter> filters = new IdentityHashMap<>();
    for (int q = 0; q < queries.length; q++) {
      int t = q % tenants;
      truth[q] = FilteredBench.groundTruth(oneQuery(ds, queries[q]), i -> tenant[i] == t)[0];
      filters.put(
          queries[q],
          new Filter(
              List.of(new Condition.Match("tenant", new Value.Str("t" + t))),
              List.of(),
              List.of(),
              null));
    }
    AnnBench.DataSet sub =
        new AnnBench.DataSet(ds.name(), ds.base(), queries, truth, ds.distance());
    String label =
        String.format(
            Locale.ROOT, "%d of ~%d (%.1f%%)", tenants, tenant.length / tenants, 100.0 / tenants);
    System.out.printf(Locale.ROOT, "minilm-384, %d points: %s tenants%n", tenant.length, label);
    List<Setup> setups =
        List.of(
            new Setup("plain graph (m 16)", hnsw(AnnBench.M, null), false),
            new Setup(
                "graph + tenant links (m 16, payload_m 16)", hnsw(AnnBench.M, AnnBench.M), true),
            new Setup("tenant links only (m 0, payload_m 16)", hnsw(0, AnnBench.M), true));
    int k = 0;
    for (Setup setup : setups) {
      try (CollectionRegistry registry =
          Storage.open(Scratch.dir("quiver-tenants-" + tenants + "-" + k++))) {
        long start = System.nanoTime();
        Collection c =
            AnnBench.build(
                registry,
                ds,
                "tenants",
                setup.hnsw(),
                i -> new Value.Struct(Map.of("tenant", new Value.Str("t" + tenant[i]))),
                Map.of(
                    "tenant",
                    new PayloadIndexSpec(
                        "keyword",
                        setup.tenantIndex()
                            ? new Value.Struct(Map.of("is_tenant", new Value.Bool(true)))
                            : null)));
        double build = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s: built in %.1f s%n", setup.label(), build);
        for (int ef : EFS) {
          AnnBench.Row row =
              AnnBench.measure(
                  setup.label(), ef, sub, q -> search(c, q, ef, filters.get(q), false));
          out.add(line(label, row, build, Integer.toString(ef)));
        }
        AnnBench.Row exact =
            AnnBench.measure(setup.label(), 0, sub, q -> search(c, q, 0, filters.get(q), true));
        out.add(line(label, exact, build, "exact"));
      }
    }
  }

  /**
   * {@link AnnBench}'s graph settings with {@code m} and {@code payloadM}, and a full-scan
   * threshold of {@value #FULL_SCAN_KB} KB (about 670 vectors of 384 dimensions): a tenant larger
   * than that is walked when it has links.
   */
  private static HnswConfig hnsw(int m, Integer payloadM) {
    return new HnswConfig(m, AnnBench.EF_CONSTRUCT, FULL_SCAN_KB, 0, false, payloadM);
  }

  static final int FULL_SCAN_KB = 1000;

  private static String line(String tenants, AnnBench.Row r, double build, String ef) {
    return String.format(
        Locale.ROOT,
        "| %s | %s | %.1f | %s | %.3f | %.0f | %.3f | %.3f |",
        tenants,
        r.engine(),
        build,
        ef,
        r.recall(),
        r.qps(),
        r.p50(),
        r.p99());
  }

  /** {@code ds} with the one query {@code q}, for a ground truth of its own filter. */
  private static AnnBench.DataSet oneQuery(AnnBench.DataSet ds, float[] q) {
    return new AnnBench.DataSet(ds.name(), ds.base(), new float[][] {q}, null, ds.distance());
  }

  private static long[] search(Collection c, float[] q, int ef, Filter filter, boolean exact) {
    return c
        .reader()
        .search(
            new SearchRequest(
                "",
                q,
                10,
                0,
                null,
                WithPayload.NONE,
                WithVectors.NONE,
                exact ? null : ef,
                exact,
                filter,
                null))
        .stream()
        .mapToLong(p -> ((PointId.Num) p.id()).value())
        .toArray();
  }
}
