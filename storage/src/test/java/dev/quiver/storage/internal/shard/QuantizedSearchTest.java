package dev.quiver.storage.internal.shard;

import static dev.quiver.testing.QuantizationModes.ONE_AND_HALF_BITS_8BIT_QUERY;
import static dev.quiver.testing.QuantizationModes.ONE_BIT_8BIT_QUERY;
import static dev.quiver.testing.QuantizationModes.PRODUCT_X32;
import static dev.quiver.testing.QuantizationModes.PRODUCT_X8;
import static dev.quiver.testing.QuantizationModes.SCALAR;
import static dev.quiver.testing.QuantizationModes.TURBO_1_5;
import static dev.quiver.testing.QuantizationModes.TURBO_2;
import static dev.quiver.testing.QuantizationModes.TURBO_4;
import static dev.quiver.testing.QuantizationModes.TWO_BITS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationParams;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.files.Archives;
import dev.quiver.testing.TestSeed;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.ZipOutputStream;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Searches over quantized codes: the graph walk scores codes, the candidates are rescored with the
 * full vectors unless the request says otherwise, the codes survive a reopen, and removing the
 * quantization removes them.
 */
class QuantizedSearchTest {
  private static final int DIM = 96;
  private static final int POINTS = 2000;
  private static final int QUERIES = 30;
  private static final int LATENT = 12;

  @TempDir Path dir;

  /** One bit, codes held in RAM ({@code always_ram}). */
  private static final Quantization BINARY = new Quantization.Binary(null, null, true, null);

  @Test
  void scalarCodesFindWhatTheFullVectorsFind() {
    for (Distance d : Distance.values()) {
      check(d, SCALAR, 0.93, 2.0);
    }
  }

  /**
   * Sign bits of the centred vectors, with their corrections: the oversampled candidates hold most
   * of the true neighbours under every distance, more with the query kept at 8 bits (a random pick
   * of 40 of 2,000 would find about 2%).
   */
  @Test
  void binaryCodesFindItWithOversampling() {
    check(Distance.COSINE, BINARY, 0.8, 4.0);
    check(Distance.DOT, ONE_BIT_8BIT_QUERY, 0.9, 4.0);
    check(Distance.EUCLID, BINARY, 0.8, 4.0);
    check(Distance.EUCLID, ONE_BIT_8BIT_QUERY, 0.9, 4.0);
  }

  /**
   * Product codes: x8 (two components a byte) ranks close to the full vectors; x32 (eight a byte)
   * needs the oversampling.
   */
  @Test
  void productCodesRankWithTheirCentroids() {
    for (Distance d : List.of(Distance.DOT, Distance.EUCLID, Distance.MANHATTAN)) {
      check(d, PRODUCT_X8, 0.9, 2.0);
    }
    check(Distance.COSINE, PRODUCT_X32, 0.75, 4.0);
  }

  /**
   * Turbo codes (the centred vector rotated, then Lloyd-Max levels): four bits rank close to the
   * full vectors; two and one and a half need oversampling.
   */
  @Test
  void turboCodesRankAfterTheRotation() {
    for (Distance d : List.of(Distance.COSINE, Distance.DOT, Distance.EUCLID)) {
      check(d, TURBO_4, 0.9, 2.0);
    }
    check(Distance.COSINE, TURBO_2, 0.9, 4.0);
    // one and a half bits read 0.733-0.847 over nine fresh-seed runs before the codes were centred
    // and their estimates unbiased
    check(Distance.EUCLID, TURBO_1_5, 0.85, 4.0);
  }

  /**
   * Two bits (and one and a half) per component: closer still than one bit, under every distance.
   */
  @Test
  void twoAndOneAndAHalfBitCodesKeepMagnitudes() {
    for (Distance d : List.of(Distance.COSINE, Distance.EUCLID, Distance.MANHATTAN)) {
      check(d, TWO_BITS, 0.9, 4.0);
    }
    check(Distance.DOT, ONE_AND_HALF_BITS_8BIT_QUERY, 0.9, 4.0);
  }

  /**
   * A snapshot carries the codes and their quantizer, and the restored shard searches them at once,
   * without training again.
   */
  @Test
  void snapshotsCarryTheCodes() throws Exception {
    Embeddings data = new Embeddings(new Random(TestSeed.of("snapshotsCarryTheCodes")));
    List<Point> points = data.points(500);
    float[] query = data.next();
    var estimates = new QuantizationParams(false, false, null);
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    List<ScoredPoint> before;
    try (LocalShard shard = new LocalShard(dir.resolve("s"), config(Distance.DOT, SCALAR))) {
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      before = shard.search(request(query, false, estimates));
      try (ZipOutputStream zip = new ZipOutputStream(archive)) {
        shard.snapshotTo(zip, "");
      }
    }
    Path file = dir.resolve("s.zip");
    Files.write(file, archive.toByteArray());
    Archives.unzip(file, dir.resolve("restored"));
    try (LocalShard restored =
        new LocalShard(dir.resolve("restored"), config(Distance.DOT, SCALAR))) {
      assertThat(restored.spaces.get("").quantized()).isTrue();
      assertThat(restored.search(request(query, false, estimates)))
          .extracting(ScoredPoint::id)
          .isEqualTo(ids(before));
    }
  }

  private void check(Distance distance, Quantization q, double minRecall, double oversampling) {
    long seed = TestSeed.of("quantized " + distance + " " + q);
    Random random = new Random(seed);
    Path at = dir.resolve(distance + "-" + q.getClass().getSimpleName() + "-" + seed);
    Embeddings data = new Embeddings(random);
    List<Point> points = data.points(POINTS);
    List<float[]> queries = new ArrayList<>();
    for (int i = 0; i < QUERIES; i++) {
      queries.add(data.next());
    }
    try (LocalShard shard = new LocalShard(at, config(distance, q))) {
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      assertThat(at.resolve("vectors/0/codes-00000.qnt")).exists();
      assertThat(shard.spaces.get("").codeBytes()).isEqualTo(q.codeBytes(DIM));
      var params = new QuantizationParams(false, true, oversampling);
      double hits = 0;
      double plainHits = 0;
      boolean estimatesDiffer = false;
      for (float[] query : queries) {
        List<ScoredPoint> exactScored = shard.search(request(query, true, null));
        Set<PointId> exact = idSet(exactScored);
        List<ScoredPoint> found = shard.search(request(query, false, params));
        hits += overlap(exact, idSet(found));
        // rescored: the scores are the full vectors' scores
        for (ScoredPoint p : found) {
          exactScored.stream()
              .filter(e -> e.id().equals(p.id()))
              .findFirst()
              .ifPresent(e -> assertThat(p.score()).isEqualTo(e.score()));
        }
        // without rescoring: the codes' estimates, which are not the full vectors' scores
        List<ScoredPoint> estimated =
            shard.search(request(query, false, new QuantizationParams(false, false, null)));
        for (ScoredPoint p : estimated) {
          // an estimate may pass the nearest possible value; the score reported stays a score
          assertThat(Float.isFinite(p.score())).as("estimated score %s", p.score()).isTrue();
          if (distance == Distance.EUCLID || distance == Distance.MANHATTAN) {
            assertThat(p.score()).as("an estimated distance").isGreaterThanOrEqualTo(0f);
          }
          for (ScoredPoint e : exactScored) {
            if (e.id().equals(p.id()) && Math.abs(e.score() - p.score()) > 1e-6) {
              estimatesDiffer = true;
            }
          }
        }
        // ignoring the codes: the plain graph walk over the full vectors
        List<ScoredPoint> ignored =
            shard.search(request(query, false, new QuantizationParams(true, null, null)));
        assertThat(ignored).hasSize(10);
        plainHits += overlap(exact, idSet(ignored));
      }
      double recall = hits / (QUERIES * 10.0);
      double plain = plainHits / (QUERIES * 10.0);
      System.out.printf("%s %s recall %.3f plain %.3f%n", distance, q, recall, plain);
      assertThat(recall).as("recall@10 of %s %s", distance, q).isGreaterThanOrEqualTo(minRecall);
      assertThat(estimatesDiffer).as("estimates of %s %s", distance, q).isTrue();
    }
    // reopened: the codes are read back, not trained again, and the searches agree
    float[] query = queries.getFirst();
    List<ScoredPoint> before;
    try (LocalShard shard = new LocalShard(at, config(distance, q))) {
      before = shard.search(request(query, false, new QuantizationParams(false, false, null)));
      assertThat(before).isNotEmpty();
    }
    try (LocalShard shard = new LocalShard(at, config(distance, q))) {
      // the same codes: the same points and estimates (the kernels' lane sums may round apart
      // between interpreted and compiled runs, hence the tolerance)
      List<ScoredPoint> after =
          shard.search(request(query, false, new QuantizationParams(false, false, null)));
      assertThat(after).extracting(ScoredPoint::id).isEqualTo(ids(before));
      for (int i = 0; i < after.size(); i++) {
        assertThat(after.get(i).score())
            .isCloseTo(before.get(i).score(), Percentage.withPercentage(0.01));
      }
      // the quantization removed: its codes go
      shard.updateConfig(config(distance, q).withQuantization(null));
      assertThat(at.resolve("vectors/0/codes-00000.qnt")).doesNotExist();
      assertThat(Files.exists(at.resolve("vectors/0/quantizer.bin"))).isFalse();
    }
  }

  private static SearchRequest request(float[] q, boolean exact, QuantizationParams params) {
    return new SearchRequest(
            "", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 64, exact, null, null)
        .withQuantization(params);
  }

  private static List<PointId> ids(List<ScoredPoint> found) {
    return found.stream().map(ScoredPoint::id).toList();
  }

  private static Set<PointId> idSet(List<ScoredPoint> found) {
    Set<PointId> out = new HashSet<>();
    found.forEach(p -> out.add(p.id()));
    return out;
  }

  private static int overlap(Set<PointId> a, Set<PointId> b) {
    int n = 0;
    for (PointId id : b) {
      if (a.contains(id)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Vectors like an embedding's: points of a {@value #LATENT}-dimensional space projected into
   * {@value #DIM} dimensions by one random projection, with a little noise (independent Gaussian
   * components would have no neighbours worth the name, and no quantization finds those).
   */
  private static final class Embeddings {
    private final Random random;
    private final float[][] projection = new float[DIM][LATENT];

    Embeddings(Random random) {
      this.random = random;
      for (float[] row : projection) {
        for (int j = 0; j < LATENT; j++) {
          row[j] = (float) random.nextGaussian();
        }
      }
    }

    float[] next() {
      float[] z = new float[LATENT];
      for (int j = 0; j < LATENT; j++) {
        z[j] = (float) random.nextGaussian();
      }
      float[] v = new float[DIM];
      for (int i = 0; i < DIM; i++) {
        float x = 0.1f * (float) random.nextGaussian();
        for (int j = 0; j < LATENT; j++) {
          x += projection[i][j] * z[j];
        }
        v[i] = x;
      }
      return v;
    }

    List<Point> points(int n) {
      List<Point> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(new Point(PointId.of(i), Map.of("", next()), null));
      }
      return out;
    }
  }

  private static CollectionConfig config(Distance distance, Quantization q) {
    return new CollectionConfig(
            Map.of("", new VectorParams(DIM, distance, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 64, 0, 1, false),
            new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
            WalConfig.DEFAULT)
        .withQuantization(q);
  }
}
