package dev.quiver.bench;

import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Storage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Build throughput of Quiver (a collection loaded through the storage API and indexed on two
 * threads), JVector and Lucene's HNSW in alternating rounds, each round starting with a different
 * engine: one build of each is a minute of this machine's speed, which drifts by 20-40% within
 * minutes, so the ratios are taken from the sums of the rounds. Not thread-safe; a benchmark step.
 */
final class BuildRounds {
  private BuildRounds() {}

  static final List<String> ENGINES = List.of("quiver", "jvector", "lucene");

  /** Builds each engine {@code rounds} times; the vectors per second summed over the rounds. */
  static Map<String, Double> measure(AnnBench.DataSet ds, int rounds) throws Exception {
    Map<String, Double> sums = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < ENGINES.size(); i++) {
        String engine = ENGINES.get((round + i) % ENGINES.size());
        double rate = build(ds, engine);
        sums.merge(engine, rate, Double::sum);
        line.append(String.format(Locale.ROOT, " %s %.0f", engine, rate));
      }
      System.out.printf(Locale.ROOT, "  build round %d (vectors/s):%s%n", round + 1, line);
    }
    return sums;
  }

  private static double build(AnnBench.DataSet ds, String engine) throws Exception {
    boolean euclid = ds.distance() == Distance.EUCLID;
    int n = ds.base().length;
    switch (engine) {
      case "quiver" -> {
        Path dir = Scratch.dir("quiver-ann-rounds");
        try (CollectionRegistry registry = Storage.open(dir)) {
          long start = System.nanoTime();
          AnnBench.build(registry, ds, "rounds", 0, i -> null, Map.of());
          return n / ((System.nanoTime() - start) / 1e9);
        } finally {
          Scratch.delete(dir);
        }
      }
      case "jvector" -> {
        try (JVectorHnsw jv =
            new JVectorHnsw(ds.base(), euclid, AnnBench.M, AnnBench.EF_CONSTRUCT)) {
          return n / jv.buildSeconds;
        }
      }
      default -> {
        Path dir = Scratch.dir("quiver-ann-rounds-lucene");
        try (LuceneHnsw lucene =
            new LuceneHnsw(dir, ds.base(), euclid, AnnBench.M, AnnBench.EF_CONSTRUCT)) {
          return n / lucene.buildSeconds;
        } finally {
          Scratch.delete(dir);
        }
      }
    }
  }
}
