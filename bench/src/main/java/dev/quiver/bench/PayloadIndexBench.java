package dev.quiver.bench;

import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What payload indexes cost on the heap, held there or with {@code on_disk: true}: {@code n} points
 * (1,000,000 by default) with a keyword of 1,000 values, an integer unique to each point and a
 * short text; the three fields indexed, first on the heap and then on disk, in alternating rounds;
 * for each the time to build, the heap after GC above the points' own, and the rate of filtered
 * counts (a keyword match, an integer range of 1,000 values, a text match). Then a tenth of the
 * payloads is rewritten with the on-disk indexes in place (merges under writes) and the counts are
 * checked against the heap's.
 *
 * <p>{@code mvn -pl bench exec:exec@payload-index [-Dbench.payload-index.points=1000000]}
 */
public final class PayloadIndexBench {
  private static final String[] FIELDS = {"tag", "n", "words"};

  private PayloadIndexBench() {}

  private static Value.Struct payload(long i) {
    return new Value.Struct(
        Map.of(
            "tag", new Value.Str("tag-" + (i % 1000)),
            "n", new Value.Int(i),
            "words", new Value.Str("word" + (i % 5000) + " common text " + (i % 7))));
  }

  private static Map<String, PayloadIndexSpec> specs(boolean onDisk) {
    Value.Struct params = new Value.Struct(Map.of("on_disk", new Value.Bool(onDisk)));
    return Map.of(
        "tag", new PayloadIndexSpec("keyword", params),
        "n", new PayloadIndexSpec("integer", params),
        "words", new PayloadIndexSpec("text", params));
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path dir = Scratch.dir("quiver-payload-index");
    System.out.printf(
        Locale.ROOT, "%,d points; max heap %d MB%n", n, Runtime.getRuntime().maxMemory() >> 20);
    long op = 0;
    try (CollectionRegistry registry = Storage.open(dir)) {
      var config =
          new CollectionConfig(
              Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(4, Distance.DOT, null)),
              1,
              1,
              1,
              true,
              new HnswConfig(0, 100, 10_000, 0, false),
              new OptimizersConfig(0.2, 1000, 0, null, 0, 5, null),
              WalConfig.DEFAULT);
      registry.apply(new CollectionMetaOp.Create("p", config), ++op);
      Collection c = registry.require("p");
      SplittableRandom r = new SplittableRandom(20261205);
      long wrote = System.nanoTime();
      for (int from = 0; from < n; from += 1000) {
        List<Point> batch = new ArrayList<>(1000);
        for (int i = from; i < Math.min(n, from + 1000); i++) {
          float[] v = {(float) r.nextGaussian(), (float) r.nextGaussian(), 1, 0};
          batch.add(new Point(PointId.of(i), Map.of("", v), payload(i)));
        }
        c.writer().apply(++op, new UpdateOp.Upsert(batch));
      }
      c.writer().flush();
      System.out.printf(Locale.ROOT, "written in %.1f s%n", (System.nanoTime() - wrote) / 1e9);
      long base = heapAfterGc();
      System.out.printf(Locale.ROOT, "heap after GC without indexes: %.1f MB%n", base / 1048576.0);
      long[] counts = null;
      for (int round = 0; round < 4; round++) {
        boolean onDisk = round % 2 == 1;
        long t = System.nanoTime();
        for (var e : specs(onDisk).entrySet()) {
          registry.apply(new CollectionMetaOp.SetPayloadIndex("p", e.getKey(), e.getValue()), ++op);
        }
        double built = (System.nanoTime() - t) / 1e9;
        long heap = heapAfterGc() - base;
        long[] got = new long[3];
        double[] qps = new double[3];
        for (int kind = 0; kind < 3; kind++) {
          SplittableRandom q = new SplittableRandom(kind);
          int queries = 300;
          t = System.nanoTime();
          for (int i = 0; i < queries; i++) {
            got[kind] += c.reader().count(filter(kind, q, n));
          }
          qps[kind] = queries / ((System.nanoTime() - t) / 1e9);
        }
        if (counts == null) {
          counts = got;
        } else if (!Arrays.equals(counts, got)) {
          throw new IllegalStateException(
              "counts differ: " + Arrays.toString(got) + " vs " + Arrays.toString(counts));
        }
        System.out.printf(
            Locale.ROOT,
            "round %d %-7s built in %5.1f s, heap %6.1f MB (%4.1f B/point), counts/s: keyword"
                + " %,.0f, integer range %,.0f, text %,.0f%n",
            round,
            onDisk ? "on disk" : "heap",
            built,
            heap / 1048576.0,
            heap / (double) n,
            qps[0],
            qps[1],
            qps[2]);
        if (round < 3) {
          for (String f : FIELDS) {
            registry.apply(new CollectionMetaOp.SetPayloadIndex("p", f, null), ++op);
          }
        }
      }
      // rewrite a tenth of the payloads with the on-disk indexes in place
      long t = System.nanoTime();
      for (int from = 0; from < n; from += 10_000) {
        List<Point> batch = new ArrayList<>(1000);
        for (int i = from; i < Math.min(n, from + 1000); i++) {
          float[] v = {1, 0, 0, 0};
          batch.add(new Point(PointId.of(i), Map.of("", v), payload(i + 3)));
        }
        c.writer().apply(++op, new UpdateOp.Upsert(batch));
      }
      System.out.printf(
          Locale.ROOT,
          "rewrote %,d payloads under on-disk indexes in %.1f s; heap %.1f MB above the points'%n",
          n / 10,
          (System.nanoTime() - t) / 1e9,
          (heapAfterGc() - base) / 1048576.0);
      long[] indexed = counts(c, n);
      for (String f : FIELDS) {
        registry.apply(new CollectionMetaOp.SetPayloadIndex("p", f, null), ++op);
      }
      long[] scanned = counts(c, n); // without indexes: each count scans
      if (!Arrays.equals(scanned, indexed)) {
        throw new IllegalStateException(
            "after the rewrite the on-disk indexes count "
                + Arrays.toString(indexed)
                + ", a scan "
                + Arrays.toString(scanned));
      }
      System.out.printf(
          Locale.ROOT,
          "after the rewrite: on-disk indexes count as a scan does (%s)%n",
          Arrays.toString(scanned));
    } finally {
      Scratch.delete(dir);
    }
    System.exit(0);
  }

  /** The sums of 30 counts of each kind. */
  private static long[] counts(Collection c, int n) {
    long[] out = new long[3];
    for (int kind = 0; kind < 3; kind++) {
      SplittableRandom q = new SplittableRandom(kind);
      for (int i = 0; i < 30; i++) {
        out[kind] += c.reader().count(filter(kind, q, n));
      }
    }
    return out;
  }

  private static Filter filter(int kind, SplittableRandom q, int n) {
    Condition c =
        switch (kind) {
          case 0 -> new Condition.Match("tag", new Value.Str("tag-" + q.nextInt(1000)));
          case 1 -> {
            double lo = q.nextInt(Math.max(1, n - 1000));
            yield new Condition.Range("n", null, lo, null, lo + 999, false);
          }
          default -> new Condition.MatchText("words", "word" + q.nextInt(5000) + " common");
        };
    return new Filter(List.of(c), List.of(), List.of(), null);
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
