package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.shard.LocalShard;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Payload indexes only narrow: a shard with an index of every type answers every filter exactly as
 * one without indexes (counts, scroll pages, exact searches), through random writes, payload
 * changes and deletes; and filtered searches keep their recall with an index.
 */
class PayloadIndexesTest {
  private static final int DIM = 8;
  private static final String[] CITIES = {"Oslo", "Lima", "Limassol", "Pune", "Kyiv", "Rome"};
  private static final String[] WORDS = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"};

  @TempDir Path dir;

  private static CollectionConfig config(int indexingThresholdKb) {
    return new CollectionConfig(
        Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(DIM, Distance.DOT, null)),
        1,
        1,
        1,
        true,
        new HnswConfig(16, 100, 0, 0, false),
        new OptimizersConfig(0.2, 1000, 0, null, indexingThresholdKb, 5, null),
        WalConfig.DEFAULT);
  }

  private static TreeMap<String, PayloadIndexSpec> everyType() {
    return everyType(false);
  }

  /** An index of every type, each with {@code on_disk} as given. */
  static TreeMap<String, PayloadIndexSpec> everyType(boolean onDisk) {
    Value.Struct params = new Value.Struct(Map.of("on_disk", new Value.Bool(onDisk)));
    TreeMap<String, PayloadIndexSpec> specs = new TreeMap<>();
    specs.put(
        "city",
        new PayloadIndexSpec(
            "keyword",
            new Value.Struct(
                Map.of("on_disk", new Value.Bool(onDisk), "prefix", new Value.Bool(true)))));
    specs.put("n", new PayloadIndexSpec("integer", params));
    specs.put("x", new PayloadIndexSpec("float", params));
    specs.put("flag", new PayloadIndexSpec("bool", params));
    specs.put("t", new PayloadIndexSpec("datetime", params));
    specs.put("loc", new PayloadIndexSpec("geo", params));
    specs.put("desc", new PayloadIndexSpec("text", params));
    specs.put("u", new PayloadIndexSpec("uuid", params));
    return specs;
  }

  /** Lower-case single words: a substring match and a token match agree on them. */
  static Value.Struct payload(Random r) {
    Map<String, Value> f = new HashMap<>();
    if (r.nextInt(10) > 0) {
      f.put(
          "city",
          r.nextBoolean()
              ? new Value.Str(CITIES[r.nextInt(CITIES.length)])
              : new Value.Array(
                  List.of(
                      new Value.Str(CITIES[r.nextInt(CITIES.length)]),
                      new Value.Str(CITIES[r.nextInt(CITIES.length)]))));
    }
    f.put(
        "n",
        r.nextInt(5) == 0 ? new Value.Double(r.nextInt(50) + 0.5) : new Value.Int(r.nextInt(50)));
    f.put("x", new Value.Double(r.nextDouble() * 10));
    f.put("flag", new Value.Bool(r.nextBoolean()));
    f.put(
        "t",
        new Value.Str(
            String.format("2026-%02d-%02dT10:00:00Z", 1 + r.nextInt(12), 1 + r.nextInt(28))));
    f.put(
        "loc",
        new Value.Struct(
            Map.of(
                "lat", new Value.Double(-60 + r.nextDouble() * 120),
                "lon", new Value.Double(-170 + r.nextDouble() * 340))));
    f.put(
        "desc",
        new Value.Str(WORDS[r.nextInt(WORDS.length)] + ", " + WORDS[r.nextInt(WORDS.length)]));
    f.put("u", new Value.Str(new java.util.UUID(0, r.nextInt(20)).toString()));
    return new Value.Struct(f);
  }

  private static float[] vector(Random r) {
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static Condition condition(Random r) {
    return switch (r.nextInt(12)) {
      case 11 -> {
        String city = CITIES[r.nextInt(CITIES.length)];
        yield new Condition.MatchPrefix("city", city.substring(0, r.nextInt(city.length())));
      }
      case 0 -> new Condition.Match("city", new Value.Str(CITIES[r.nextInt(CITIES.length)]));
      case 1 ->
          new Condition.MatchAny(
              "city",
              List.of(
                  new Value.Str(CITIES[r.nextInt(CITIES.length)]),
                  new Value.Str(CITIES[r.nextInt(CITIES.length)])));
      case 2 -> new Condition.Match("n", new Value.Int(r.nextInt(50)));
      case 3 -> {
        double a = r.nextInt(50);
        yield new Condition.Range(
            "n", null, a, r.nextBoolean() ? a + r.nextInt(10) : null, null, false);
      }
      case 4 ->
          new Condition.Range("x", r.nextDouble() * 10, null, null, r.nextDouble() * 10 + 2, false);
      case 5 -> new Condition.Match("flag", new Value.Bool(r.nextBoolean()));
      case 6 ->
          new Condition.Range(
              "t",
              null,
              (double) java.time.Instant.parse("2026-03-01T00:00:00Z").toEpochMilli(),
              (double) java.time.Instant.parse("2026-05-01T00:00:00Z").toEpochMilli(),
              null,
              true);
      case 7 -> new Condition.GeoRadius("loc", -60 + r.nextDouble() * 120, 0, 3_000_000);
      case 8 ->
          new Condition.GeoBoundingBox(
              "loc", 40, -100, 10, 50); // top-left lat/lon, bottom-right lat/lon
      case 9 -> new Condition.MatchText("desc", WORDS[r.nextInt(WORDS.length)]);
      default ->
          new Condition.Match("u", new Value.Str(new java.util.UUID(0, r.nextInt(20)).toString()));
    };
  }

  static Filter filter(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> new Filter(List.of(condition(r)), List.of(), List.of(), null);
      case 1 ->
          new Filter(List.of(condition(r), condition(r)), List.of(), List.of(condition(r)), null);
      case 2 -> new Filter(List.of(), List.of(condition(r), condition(r)), List.of(), null);
      default ->
          new Filter(
              List.of(
                  new Condition.Sub(new Filter(List.of(condition(r)), List.of(), List.of(), null))),
              List.of(condition(r)),
              List.of(),
              null);
    };
  }

  private static List<PointId> scrollAll(LocalShard s, Filter f) {
    List<PointId> out = new ArrayList<>();
    PointId offset = null;
    for (int guard = 0; guard < 10_000; guard++) {
      var page = s.scroll(f, offset, 7, WithPayload.NONE, WithVectors.NONE);
      page.points().forEach(p -> out.add(p.id()));
      offset = page.nextOffset();
      if (offset == null) {
        break;
      }
    }
    return out;
  }

  @ParameterizedTest(name = "on_disk {0}")
  @ValueSource(booleans = {false, true})
  void indexedAndUnindexedShardsAnswerEveryFilterAlike(boolean onDisk) {
    long seed = TestSeed.of("indexedAndUnindexedShardsAnswerEveryFilterAlike");
    Random r = new Random(seed);
    try (LocalShard indexed = new LocalShard(dir.resolve("a"), config(0));
        LocalShard plain = new LocalShard(dir.resolve("b"), config(0))) {
      // half the points before the indexes exist (built from them), half after (kept current)
      long op = 0;
      for (int round = 0; round < 6; round++) {
        if (round == 3) {
          indexed.payloadIndexes(everyType(onDisk));
        }
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          points.add(new Point(PointId.of(r.nextInt(800)), Map.of("", vector(r)), payload(r)));
        }
        UpdateOp[] ops = {
          new UpdateOp.Upsert(points),
          new UpdateOp.SetPayload(
              new PointSelector.Ids(
                  List.of(PointId.of(r.nextInt(800)), PointId.of(r.nextInt(800)))),
              new Value.Struct(Map.of("city", new Value.Str("Oslo"), "n", new Value.Int(7))),
              null),
          new UpdateOp.DeletePoints(
              List.of(PointId.of(r.nextInt(800)), PointId.of(r.nextInt(800)))),
          new UpdateOp.ClearPayload(new PointSelector.Ids(List.of(PointId.of(r.nextInt(800))))),
          new UpdateOp.DeleteByFilter(filter(r)),
        };
        for (UpdateOp o : ops) {
          op++;
          indexed.apply(op, o);
          plain.apply(op, o);
        }
      }
      // a random delete by filter can take most points: write a last round so that the filters
      // below are tested against a populated shard whatever the seed
      List<Point> last = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        last.add(new Point(PointId.of(r.nextInt(800)), Map.of("", vector(r)), payload(r)));
      }
      op++;
      indexed.apply(op, new UpdateOp.Upsert(last));
      plain.apply(op, new UpdateOp.Upsert(last));
      assertThat(indexed.count()).isEqualTo(plain.count()).isGreaterThan(100);
      for (int q = 0; q < 300; q++) {
        Filter f = filter(r);
        String what = "filter " + f;
        assertThat(indexed.count(f)).as(what).isEqualTo(plain.count(f));
        assertThat(scrollAll(indexed, f)).as(what).isEqualTo(scrollAll(plain, f));
        float[] query = vector(r);
        var exact =
            new SearchRequest(
                "", query, 10, 0, null, WithPayload.NONE, WithVectors.NONE, null, true, f);
        var planned =
            new SearchRequest(
                "", query, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 400, false, f);
        List<PointId> truth = plain.search(exact).stream().map(ScoredPoint::id).toList();
        assertThat(indexed.search(exact).stream().map(ScoredPoint::id).toList())
            .as(what)
            .isEqualTo(truth);
        assertThat(indexed.search(planned).stream().map(ScoredPoint::id).toList())
            .as(what)
            .isSubsetOf(scrollAll(plain, f));
      }
    }
  }

  @Test
  void textIndexMatchesEveryTokenAndDroppingAnIndexRestoresSubstrings() {
    try (LocalShard shard = new LocalShard(dir.resolve("t"), config(0))) {
      shard.apply(
          1,
          new UpdateOp.Upsert(
              List.of(
                  new Point(
                      PointId.of(1),
                      Map.of("", new float[DIM]),
                      new Value.Struct(Map.of("desc", new Value.Str("The quick brown fox")))),
                  new Point(
                      PointId.of(2),
                      Map.of("", new float[DIM]),
                      new Value.Struct(Map.of("desc", new Value.Str("quickly, the fox ran")))))));
      Filter words =
          new Filter(
              List.of(new Condition.MatchText("desc", "fox QUICK")), List.of(), List.of(), null);
      Filter part =
          new Filter(List.of(new Condition.MatchText("desc", "quick")), List.of(), List.of(), null);
      assertThat(shard.count(words)).isZero(); // no index: one substring, matched as is
      assertThat(shard.count(part)).isEqualTo(2);
      TreeMap<String, PayloadIndexSpec> text = new TreeMap<>();
      text.put("desc", new PayloadIndexSpec("text", null));
      shard.payloadIndexes(text);
      assertThat(shard.count(words)).isEqualTo(1); // every token, in any order and case
      assertThat(shard.count(part)).isEqualTo(1); // "quickly" is another token
      shard.payloadIndexes(new TreeMap<>());
      assertThat(shard.count(part)).isEqualTo(2);
    }
  }

  @Test
  void indexedFiltersKeepRecallAtEverySelectivity() {
    long seed = TestSeed.of("indexedFiltersKeepRecallAtEverySelectivity");
    Random r = new Random(seed);
    try (LocalShard shard = new LocalShard(dir.resolve("s"), config(1))) {
      TreeMap<String, PayloadIndexSpec> specs = new TreeMap<>();
      specs.put("bucket", new PayloadIndexSpec("integer", null));
      shard.payloadIndexes(specs);
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 4000; i++) {
        points.add(
            new Point(
                PointId.of(i),
                Map.of("", vector(r)),
                new Value.Struct(Map.of("bucket", new Value.Int(r.nextInt(1000))))));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.flush();
      for (int below : new int[] {1, 10, 100, 500, 1000}) {
        Filter f =
            new Filter(
                List.of(new Condition.Range("bucket", null, null, (double) below, null, false)),
                List.of(),
                List.of(),
                null);
        int hits = 0;
        int expected = 0;
        for (int q = 0; q < 30; q++) {
          float[] query = vector(r);
          var truth =
              shard
                  .search(
                      new SearchRequest(
                          "",
                          query,
                          10,
                          0,
                          null,
                          WithPayload.NONE,
                          WithVectors.NONE,
                          null,
                          true,
                          f))
                  .stream()
                  .map(ScoredPoint::id)
                  .toList();
          var planned =
              shard.search(
                  new SearchRequest(
                      "", query, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 64, false, f));
          expected += truth.size();
          hits += (int) planned.stream().filter(p -> truth.contains(p.id())).count();
        }
        double recall = expected == 0 ? 1 : hits / (double) expected;
        System.out.println("indexed, selectivity " + (below / 10.0) + "%: recall@10 " + recall);
        assertThat(recall).as("recall at %s%%", below / 10.0).isGreaterThanOrEqualTo(0.95);
      }
    }
  }
}
