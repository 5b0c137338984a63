package dev.quiver.storage.internal.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Distance;
import dev.quiver.storage.internal.vector.OffHeapVectors;
import dev.quiver.storage.internal.vector.VectorMath;
import dev.quiver.testing.TestSeed;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

public class HnswIndexTest {
  @TempDir Path dir;

  /** Clustered data (never uniform noise): 40 gaussian clusters. */
  public static float[][] clustered(Random r, int n, int dim, boolean normalize) {
    float[][] centers = new float[40][dim];
    for (float[] c : centers) {
      for (int i = 0; i < dim; i++) {
        c[i] = (float) (r.nextGaussian() * 3);
      }
    }
    float[][] out = new float[n][dim];
    for (int k = 0; k < n; k++) {
      float[] c = centers[r.nextInt(centers.length)];
      for (int i = 0; i < dim; i++) {
        out[k][i] = c[i] + (float) r.nextGaussian();
      }
      if (normalize) {
        VectorMath.normalize(out[k]);
      }
    }
    return out;
  }

  private static Set<Integer> exact(OffHeapVectors v, Distance d, float[] q, int k, int n) {
    Candidates best = new Candidates(k + 1);
    for (int i = 0; i < n; i++) {
      float s = v.similarity(d, q, i);
      if (best.size() < k || s > best.worst()) {
        best.add(i, s);
        if (best.size() > k) {
          best.removeWorst();
        }
      }
    }
    Set<Integer> out = new HashSet<>();
    for (int i = 0; i < best.size(); i++) {
      out.add(best.node(i));
    }
    return out;
  }

  private static double recall(
      OffHeapVectors v, HnswIndex index, Distance d, float[][] queries, int n) {
    int hits = 0;
    for (float[] q : queries) {
      Set<Integer> truth = exact(v, d, q, 10, n);
      Candidates got = index.search(v.scorer(d, q), 64, null);
      int[] best = got.bestFirst();
      for (int i = 0; i < Math.min(10, best.length); i++) {
        if (truth.contains(best[i])) {
          hits++;
        }
      }
    }
    return hits / (10.0 * queries.length);
  }

  @ParameterizedTest
  @EnumSource(Distance.class)
  void recallAtTenIsHighOnClusteredData(Distance d) {
    long seed = TestSeed.of("recallAtTenIsHighOnClusteredData(" + d + ")");
    Random r = new Random(seed);
    int n = 4000;
    int dim = 24;
    // queries are held-out points of the same clusters, as real queries resemble the data
    float[][] all = clustered(r, n + 100, dim, d == Distance.COSINE);
    float[][] data = Arrays.copyOf(all, n);
    float[][] queries = Arrays.copyOfRange(all, n, n + 100);
    try (OffHeapVectors v = new OffHeapVectors(dir, dim)) {
      HnswIndex index = new HnswIndex(v, dir.resolve("graph"), d, 16, 100, seed);
      for (float[] x : data) {
        index.insert(v.add(x));
      }
      double recall = recall(v, index, d, queries, n);
      System.out.println("recall@10 " + d + " = " + recall);
      assertThat(recall).isGreaterThanOrEqualTo(0.95);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Distance.class,
      names = {"COSINE", "EUCLID"})
  void concurrentInsertsAndSearchesKeepTheGraphGood(Distance d) throws Exception {
    long seed = TestSeed.of("concurrentInsertsAndSearchesKeepTheGraphGood(" + d + ")");
    Random r = new Random(seed);
    int n = 4000;
    int dim = 16;
    float[][] all = clustered(r, n + 100, dim, d == Distance.COSINE);
    float[][] data = Arrays.copyOf(all, n);
    float[][] queries = Arrays.copyOfRange(all, n, n + 100);
    try (OffHeapVectors v = new OffHeapVectors(dir, dim)) {
      for (float[] x : data) {
        v.add(x); // slots first (single writer), graph inserts in parallel below
      }
      HnswIndex index = new HnswIndex(v, dir.resolve("graph"), d, 16, 100, seed);
      AtomicInteger next = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        jobs.add(
            pool.submit(
                () -> {
                  for (int i; (i = next.getAndIncrement()) < n; ) {
                    index.insert(i);
                  }
                  return null;
                }));
      }
      jobs.add(
          pool.submit(
              () -> {
                Random qr = new Random(seed + 1);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (next.get() < n && System.nanoTime() < end) {
                  float[] q = data[qr.nextInt(n)];
                  int[] res = index.search(v.scorer(d, q), 32, null).bestFirst();
                  assertThat(res.length).isLessThanOrEqualTo(32);
                  assertThat(Arrays.stream(res).allMatch(x -> x >= 0 && x < n)).isTrue();
                }
                return null;
              }));
      for (Future<?> f : jobs) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      double recall = recall(v, index, d, queries, n);
      System.out.println("recall@10 " + d + " = " + recall);
      assertThat(recall).isGreaterThanOrEqualTo(0.95);
    }
  }

  /** {@code n} clustered 16-dimension unit vectors, stored under the test's directory. */
  private OffHeapVectors clusteredVectors(String test, int n) {
    Random r = new Random(TestSeed.of(test));
    OffHeapVectors v = new OffHeapVectors(dir, 16);
    for (float[] x : clustered(r, n, 16, true)) {
      v.add(x);
    }
    return v;
  }

  /**
   * {@code index} with nodes {@code [0, n)} inserted (m 4 and ef_construct 16 overflow many lists).
   */
  private static HnswIndex insertAll(HnswIndex index, int n) {
    for (int i = 0; i < n; i++) {
      index.insert(i);
    }
    return index;
  }

  /**
   * ACORN-1: for a filter that passes few nodes scattered over the graph, the walk scores the
   * matches it reaches through rejected neighbours, not the rejected nodes themselves: an order of
   * magnitude fewer scores than the plain filtered walk (which scores every node it passes
   * through), for nearly its recall. A filter passing 5% of the nodes at random, ef 64, five seeds:
   * 251-274 scores a query against 2,973-3,095, recall@10 0.998-1.000 against 1.000.
   */
  @Test
  void anAcornWalkScoresOnlyWhatItMustForAScatteredFilter() {
    long seed = TestSeed.of("anAcornWalkScoresOnlyWhatItMustForAScatteredFilter");
    Random r = new Random(seed);
    int n = 12_000;
    int dim = 32;
    float[][] all = clustered(r, n + 100, dim, true);
    BitSet passes = new BitSet(n);
    for (int i = 0; i < n; i++) {
      if (r.nextInt(20) == 0) {
        passes.set(i);
      }
    }
    try (OffHeapVectors v = new OffHeapVectors(dir, dim)) {
      HnswIndex index = new HnswIndex(v, dir.resolve("graph"), Distance.COSINE, 16, 100, seed);
      for (int i = 0; i < n; i++) {
        index.insert(v.add(all[i]));
      }
      long[] plainScores = {0};
      long[] acornScores = {0};
      int plainHits = 0;
      int acornHits = 0;
      for (int qi = 0; qi < 100; qi++) {
        float[] q = all[n + qi];
        Candidates best = new Candidates(11);
        passes.stream()
            .forEach(
                i -> {
                  best.add(i, v.similarity(Distance.COSINE, q, i));
                  if (best.size() > 10) {
                    best.removeWorst();
                  }
                });
        Set<Integer> truth = new HashSet<>();
        for (int i = 0; i < best.size(); i++) {
          truth.add(best.node(i));
        }
        var scorer = v.scorer(Distance.COSINE, q);
        int[] plain =
            index
                .search(
                    slot -> {
                      plainScores[0]++;
                      return scorer.score(slot);
                    },
                    64,
                    passes::get,
                    false)
                .bestFirst();
        int[] acorn =
            index
                .search(
                    slot -> {
                      acornScores[0]++;
                      return scorer.score(slot);
                    },
                    64,
                    passes::get,
                    true)
                .bestFirst();
        for (int i = 0; i < 10; i++) {
          assertThat(passes.get(plain[i]) && passes.get(acorn[i])).isTrue();
          plainHits += truth.contains(plain[i]) ? 1 : 0;
          acornHits += truth.contains(acorn[i]) ? 1 : 0;
        }
      }
      assertThat(plainHits / 1000.0).isGreaterThanOrEqualTo(0.97);
      assertThat(acornHits / 1000.0).isGreaterThanOrEqualTo(0.95);
      assertThat(acornScores[0] * 5).isLessThan(plainScores[0]);
    }
  }

  /**
   * An ACORN walk that runs dry before it has {@code ef} matches (here 40 matches, no two within
   * two hops of each other) is done again as the plain walk, so a search never returns fewer
   * matches than the plain walk finds.
   */
  @Test
  void anAcornWalkThatRunsDryFallsBackToThePlainWalk() {
    long seed = TestSeed.of("anAcornWalkThatRunsDryFallsBackToThePlainWalk");
    Random r = new Random(seed);
    int n = 4000;
    int dim = 16;
    float[][] all = clustered(r, n + 1, dim, true);
    try (OffHeapVectors v = new OffHeapVectors(dir, dim)) {
      HnswIndex index = new HnswIndex(v, dir.resolve("graph"), Distance.COSINE, 16, 100, seed);
      for (int i = 0; i < n; i++) {
        index.insert(v.add(all[i]));
      }
      // matches three hops apart at least: each taken blocks its bottom-layer neighbourhood of
      // two hops (in either direction, as lists are not symmetric)
      List<Set<Integer>> near = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        near.add(new HashSet<>());
      }
      for (int i = 0; i < n; i++) {
        for (int j : index.neighbours(i, 0)) {
          near.get(i).add(j);
          near.get(j).add(i);
        }
      }
      BitSet matches = new BitSet(n);
      BitSet blocked = new BitSet(n);
      for (int i = 0; i < n && matches.cardinality() < 40; i++) {
        if (blocked.get(i)) {
          continue;
        }
        matches.set(i);
        for (int a : near.get(i)) {
          blocked.set(a);
          near.get(a).forEach(blocked::set);
        }
      }
      // fewer matches than ef: the ACORN walk cannot fill its beam, and the plain walk, which goes
      // through every node it can reach, finds them all
      assertThat(matches.cardinality()).isEqualTo(40);
      int[] everyMatch = matches.stream().toArray();
      float[] q = all[n];
      int[] plain = index.search(v.scorer(Distance.COSINE, q), 64, matches::get, false).bestFirst();
      int[] acorn = index.search(v.scorer(Distance.COSINE, q), 64, matches::get, true).bestFirst();
      assertThat(plain).containsExactlyInAnyOrder(everyMatch);
      assertThat(acorn).containsExactly(plain);
    }
  }

  @Test
  void aRepairReachesAlmostEveryUnreachedNode() {
    int n = 6000;
    OffHeapVectors v = clusteredVectors("aRepairLeavesNoNodeUnreachable", n);
    HnswIndex index =
        insertAll(new HnswIndex(v, dir.resolve("graph"), Distance.COSINE, 4, 16, 7), n);
    int lost = index.unreachable(n);
    System.out.println("unreachable before repair: " + lost);
    assertThat(lost).isPositive();
    assertThat(index.repair(HnswIndex.Check.GROWN)).isPositive(); // 6,000 since none
    // each is given an in-link by a reached node with room; in this deliberately sparse graph
    // (lists of 8) a node with no such node among its 16 nearest is linked again as if inserted,
    // which the diversity rule can undo: all but a few are reached
    int left = index.unreachable(n);
    System.out.println("unreachable after repair: " + left);
    assertThat(left).isLessThanOrEqualTo(lost / 20);
    float[] extra = new float[16];
    extra[0] = 1;
    v.add(extra);
    index.insert(n); // one more: due for a caller waiting, not for a growing graph or one at rest
    assertThat(index.repair(HnswIndex.Check.GROWN)).isZero();
    assertThat(index.repair(HnswIndex.Check.IDLE)).isZero();
    index.repair(HnswIndex.Check.ANY);
    assertThat(index.unreachable(n + 1)).isLessThanOrEqualTo(left + 1);
    assertThat(index.repair(HnswIndex.Check.ANY)).isZero(); // nothing inserted since
  }

  @Test
  void aRepairLinksAGroupsUnreachedNodesAgainWithinTheGroup() {
    int n = 6000;
    OffHeapVectors v = clusteredVectors("aRepairJoinsEachGroupsNodesWithinTheGroup", n);
    HnswIndex index =
        insertAll(
            HnswIndex.grouped(v, dir.resolve("graph"), Distance.COSINE, 4, 16, slot -> slot % 3),
            n);
    int lost = index.unreachable(n);
    System.out.println("unreachable within their groups before repair: " + lost);
    assertThat(lost).isPositive();
    index.repair(HnswIndex.Check.ANY);
    // a graph of groups links an unreached node again as if inserted (no in-link past the
    // diversity rule, see HnswIndex#relink), which the rule can undo: fewer are left, not none
    int left = index.unreachable(n);
    System.out.println("unreachable within their groups after repair: " + left);
    assertThat(left).isLessThan(lost);
    for (int i = 0; i < n; i++) {
      for (int x : index.neighbours(i, 0)) {
        assertThat(x % 3).isEqualTo(i % 3); // no link leaves its group
      }
    }
  }

  @Test
  void removingDeletedNodesKeepsTheRestSearchable() {
    long seed = TestSeed.of("removingDeletedNodesKeepsTheRestSearchable");
    Random r = new Random(seed);
    int n = 4000;
    int dim = 16;
    OffHeapVectors v = new OffHeapVectors(dir, dim);
    float[][] data = clustered(r, n, dim, true);
    for (float[] x : data) {
      v.add(x);
    }
    HnswIndex index = new HnswIndex(v, dir.resolve("graph"), Distance.COSINE, 16, 100, 7);
    for (int i = 0; i < n; i++) {
      index.insert(i);
    }
    BitSet deleted = new BitSet(n);
    for (int i = 0; i < n; i++) {
      if (r.nextInt(10) < 6) { // 60% gone, the entry point probably among them
        deleted.set(i);
      }
    }
    int[] removed = index.remove(deleted::get, n);
    assertThat(removed).hasSize(deleted.cardinality());
    for (int x : removed) {
      assertThat(index.contains(x)).isFalse();
    }
    float[][] queries = clustered(r, 100, dim, true);
    int hits = 0;
    for (float[] q : queries) {
      Candidates best = new Candidates(11);
      for (int i = 0; i < n; i++) {
        if (!deleted.get(i)) {
          float s = v.similarity(Distance.COSINE, q, i);
          if (best.size() < 10 || s > best.worst()) {
            best.add(i, s);
            if (best.size() > 10) {
              best.removeWorst();
            }
          }
        }
      }
      Set<Integer> truth = new HashSet<>();
      for (int i = 0; i < best.size(); i++) {
        truth.add(best.node(i));
      }
      int[] got = index.search(v.scorer(Distance.COSINE, q), 64, null).bestFirst();
      for (int i = 0; i < Math.min(10, got.length); i++) {
        assertThat(deleted.get(got[i])).as("a removed node was found").isFalse();
        if (truth.contains(got[i])) {
          hits++;
        }
      }
    }
    double recall = hits / 1000.0;
    System.out.println("recall@10 after removing 60%: " + recall);
    assertThat(recall).isGreaterThanOrEqualTo(0.95);
    // freed slots take new vectors and join the graph again
    for (int x : removed) {
      float[] fresh = clustered(r, 1, dim, true)[0];
      v.set(x, fresh);
      index.insert(x);
    }
    assertThat(recall(v, index, Distance.COSINE, queries, n)).isGreaterThanOrEqualTo(0.95);
  }

  /**
   * The graph written into a checkpoint stream reads back into new files with the same lists, so
   * searches return the same nodes; read with a smaller {@code m}, every list is selected again
   * within the smaller bound and the graph still finds its neighbours.
   */
  @Test
  void aGraphWrittenAndReadBackSearchesTheSame() throws Exception {
    long seed = TestSeed.of("aGraphWrittenAndReadBackSearchesTheSame");
    Random r = new Random(seed);
    int n = 3000;
    int dim = 16;
    float[][] all = clustered(r, n + 50, dim, true);
    try (OffHeapVectors v = new OffHeapVectors(dir.resolve("v"), dim);
        HnswIndex index = new HnswIndex(v, dir.resolve("g1"), Distance.COSINE, 16, 100, seed)) {
      for (int i = 0; i < n; i++) {
        index.insert(v.add(all[i]));
      }
      var bytes = new ByteArrayOutputStream();
      index.write(new DataOutputStream(bytes), n);
      try (HnswIndex same = new HnswIndex(v, dir.resolve("g2"), Distance.COSINE, 16, 100, seed);
          HnswIndex narrower = new HnswIndex(v, dir.resolve("g3"), Distance.COSINE, 4, 100, seed)) {
        same.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        narrower.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        var again = new ByteArrayOutputStream();
        same.write(new DataOutputStream(again), n);
        assertThat(again.toByteArray()).isEqualTo(bytes.toByteArray());
        for (int q = n; q < n + 50; q++) {
          assertThat(same.search(v.scorer(Distance.COSINE, all[q]), 32, null).bestFirst())
              .isEqualTo(index.search(v.scorer(Distance.COSINE, all[q]), 32, null).bestFirst());
        }
        var narrow = new ByteArrayOutputStream();
        narrower.write(new DataOutputStream(narrow), n);
        var in = new DataInputStream(new ByteArrayInputStream(narrow.toByteArray()));
        in.readLong();
        assertThat(in.readInt()).isEqualTo(n);
        int longest = 0;
        for (int node = 0; node < n; node++) {
          int levels = in.readUnsignedByte();
          assertThat(levels).as("node %d is in the graph", node).isPositive();
          for (int l = 0; l < levels; l++) {
            int size = in.readUnsignedShort();
            assertThat(size).isLessThanOrEqualTo(l == 0 ? 8 : 4);
            longest = Math.max(longest, size);
            in.skipNBytes(4L * size);
          }
        }
        assertThat(longest).isEqualTo(8);
        double kept = recall(v, narrower, Distance.COSINE, Arrays.copyOfRange(all, n, n + 50), n);
        System.out.println("recall@10 with lists selected down to m=4: " + kept);
        // selected again by the diversity rule; their nearest members alone read 0.80-1.0 by seed
        assertThat(kept).isGreaterThanOrEqualTo(0.95);
      }
    }
  }

  /**
   * The bottom layer lives in memory-mapped files under the graph's directory, each with its
   * header; opening a graph on a directory deletes what an earlier run left there.
   */
  @Test
  void theBottomLayerLivesInItsFiles() throws Exception {
    Path graph = dir.resolve("graph");
    try (OffHeapVectors v = new OffHeapVectors(dir.resolve("v"), 8);
        HnswIndex index = new HnswIndex(v, graph, Distance.DOT, 16, 100, 1)) {
      Random r = new Random(1);
      for (float[] x : clustered(r, 100, 8, false)) {
        index.insert(v.add(x));
      }
      Path chunk = graph.resolve("links-00000.hnsw");
      ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(chunk)).order(ByteOrder.LITTLE_ENDIAN);
      assertThat(header.getInt(0)).isEqualTo(GraphLinks.MAGIC);
      assertThat(header.getInt(4)).isEqualTo(GraphLinks.VERSION);
      assertThat(header.getInt(8)).isEqualTo(32); // 2m members a record
      CRC32C crc = new CRC32C();
      crc.update(header.array(), 0, 16);
      assertThat(header.getInt(60)).isEqualTo((int) crc.getValue());
    }
    try (OffHeapVectors v = new OffHeapVectors(dir.resolve("v2"), 8);
        HnswIndex fresh = new HnswIndex(v, graph, Distance.DOT, 16, 100, 1)) {
      assertThat(fresh.isEmpty()).isTrue();
      assertThat(graph.resolve("links-00000.hnsw")).doesNotExist();
    }
  }

  /**
   * Vectors that arrive grouped by similarity (cluster after cluster), as real data often does, are
   * the hard case for concurrent inserts: neighbours are inserted at the same time and cannot find
   * each other by search. The graph built by four threads must search about as well as the one
   * built by one (on minilm-384 in its natural order, two threads lose two points of recall@10 at
   * ef=64 when concurrent inserts are not candidates of each other; this synthetic set shows less,
   * so the bound is loose and guards against worse).
   */
  @Test
  void concurrentInsertsOfNeighboursBuildAsGoodAGraphAsOneThread() throws Exception {
    long seed = TestSeed.of("concurrentInsertsOfNeighboursBuildAsGoodAGraphAsOneThread");
    Random r = new Random(seed);
    int n = 8000;
    int dim = 32;
    float[][] centers = new float[40][dim];
    for (float[] c : centers) {
      for (int i = 0; i < dim; i++) {
        c[i] = (float) r.nextGaussian() * 2;
      }
    }
    // cluster after cluster: the points inserted together are each other's neighbours
    float[][] grouped = new float[n + 300][dim];
    for (int k = 0; k < grouped.length; k++) {
      float[] c = centers[k < n ? k / (n / centers.length) : r.nextInt(centers.length)];
      for (int i = 0; i < dim; i++) {
        grouped[k][i] = c[i] + (float) r.nextGaussian();
      }
    }
    float[][] queries = Arrays.copyOfRange(grouped, n, n + 300);
    double[] recall = new double[2];
    for (int threads : new int[] {1, 4}) {
      Path d = dir.resolve("t" + threads);
      try (OffHeapVectors v = new OffHeapVectors(d.resolve("v"), dim);
          HnswIndex index = new HnswIndex(v, d.resolve("g"), Distance.EUCLID, 6, 24, seed)) {
        for (int i = 0; i < n; i++) {
          v.add(grouped[i]);
        }
        AtomicInteger next = new AtomicInteger();
        List<Thread> inserters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          inserters.add(
              Thread.ofPlatform()
                  .start(
                      () -> {
                        for (int i; (i = next.getAndIncrement()) < n; ) {
                          index.insert(i);
                        }
                      }));
        }
        for (Thread t : inserters) {
          t.join(60_000);
        }
        int hits = 0;
        for (float[] q : queries) {
          Set<Integer> truth = exact(v, Distance.EUCLID, q, 10, n);
          int[] got = index.search(v.scorer(Distance.EUCLID, q), 10, null).bestFirst();
          for (int i = 0; i < Math.min(10, got.length); i++) {
            hits += truth.contains(got[i]) ? 1 : 0;
          }
        }
        recall[threads == 1 ? 0 : 1] = hits / 3000.0;
      }
    }
    System.out.printf("recall@10 at ef=10: one thread %.3f, four %.3f%n", recall[0], recall[1]);
    assertThat(recall[1]).isGreaterThanOrEqualTo(recall[0] - 0.03);
  }

  /**
   * The neighbour selection's second pass: around a base at the origin, {@code a} at (1, 0) is kept
   * first; {@code c} at (0.6, 1) is nearer to {@code a} (squared 1.16) than to the base (1.36), so
   * the paper's rule drops it, but not within 1/1.2 of its distance to the base, so the relaxed
   * pass keeps it; {@code d} at (1.1, 0.05), a near-duplicate of {@code a}, stays out. A graph
   * whose similarity has no distance form (as MaxSim) keeps the paper's rule alone.
   */
  @Test
  void theRelaxedPassKeepsALongerEdgeButNotANearDuplicate() throws Exception {
    float[][] points = {{1, 0}, {0.6f, 1}, {1.1f, 0.05f}, {0, 0}}; // a, c, d, then the base
    try (OffHeapVectors v = new OffHeapVectors(dir.resolve("v"), 2);
        HnswIndex relaxed =
            new HnswIndex(
                GraphVectors.dense(v, Distance.EUCLID), dir.resolve("relaxed"), 16, 100, 1);
        HnswIndex strict = new HnswIndex(withoutSeparation(v), dir.resolve("strict"), 16, 100, 1)) {
      for (float[] p : points) {
        int slot = v.add(p);
        relaxed.insert(slot);
        strict.insert(slot);
      }
      assertThat(relaxed.neighbours(3, 0)).containsExactly(0, 1);
      assertThat(strict.neighbours(3, 0)).containsExactly(0);
    }
  }

  /** Dense Euclidean vectors whose similarity gives no distance form. */
  private static GraphVectors withoutSeparation(OffHeapVectors v) {
    GraphVectors dense = GraphVectors.dense(v, Distance.EUCLID);
    return new GraphVectors() {
      @Override
      public int size() {
        return dense.size();
      }

      @Override
      public NodeScorer nodeScorer() {
        return dense.nodeScorer();
      }
    };
  }
}
