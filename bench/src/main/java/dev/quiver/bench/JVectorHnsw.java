package dev.quiver.bench;

import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.ListRandomAccessVectorValues;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.graph.similarity.ScoreFunction;
import io.github.jbellis.jvector.graph.similarity.SearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * JVector's graph index as a peer in the ANN benchmark: built on two threads with the same {@code
 * m} (max degree {@code 2m} on the base layer, as HNSW) and beam width, with hierarchy, searched
 * exactly (no quantization) with the beam as {@code ef}. JVector uses the Vector API when the
 * incubator module is on, as it is in the benchmark's JVM.
 */
final class JVectorHnsw implements AutoCloseable {
  private static final VectorTypeSupport VTS =
      VectorizationProvider.getInstance().getVectorTypeSupport();

  private final ListRandomAccessVectorValues ravv;
  private final VectorSimilarityFunction similarity;
  private final ImmutableGraphIndex index;
  private final ThreadLocal<GraphSearcher> searchers;
  final double buildSeconds;

  JVectorHnsw(float[][] base, boolean euclid, int m, int beam) throws Exception {
    List<VectorFloat<?>> vectors = new ArrayList<>(base.length);
    for (float[] v : base) {
      vectors.add(VTS.createFloatVector(v));
    }
    int dim = base[0].length;
    ravv = new ListRandomAccessVectorValues(vectors, dim);
    similarity = euclid ? VectorSimilarityFunction.EUCLIDEAN : VectorSimilarityFunction.DOT_PRODUCT;
    long start = System.nanoTime();
    ForkJoinPool pool = new ForkJoinPool(2);
    try {
      GraphIndexBuilder builder =
          new GraphIndexBuilder(
              BuildScoreProvider.randomAccessScoreProvider(ravv, similarity),
              dim,
              2 * m,
              beam,
              1.2f,
              1.2f,
              true,
              true,
              pool,
              pool);
      index = builder.build(ravv);
    } finally {
      pool.shutdown();
    }
    buildSeconds = (System.nanoTime() - start) / 1e9;
    searchers = ThreadLocal.withInitial(() -> new GraphSearcher(index));
  }

  /** The top 10 base rows for {@code q}, collecting {@code ef} candidates. */
  int[] search(float[] q, int ef) {
    return top(
        search(DefaultSearchScoreProvider.exact(VTS.createFloatVector(q), similarity, ravv), ef));
  }

  /**
   * As {@link #search(float[], int)}, adding the similarities the search computed to {@code
   * scored[0]} (counted around JVector's score function, on every layer).
   */
  int[] search(float[] q, int ef, long[] scored) {
    ScoreFunction.ExactScoreFunction exact =
        DefaultSearchScoreProvider.exact(VTS.createFloatVector(q), similarity, ravv)
            .exactScoreFunction();
    ScoreFunction.ExactScoreFunction counted =
        node -> {
          scored[0]++;
          return exact.similarityTo(node);
        };
    return top(search(new DefaultSearchScoreProvider(counted), ef));
  }

  private SearchResult search(SearchScoreProvider scores, int ef) {
    return searchers.get().search(scores, 10, Math.max(10, ef), 0f, 0f, Bits.ALL);
  }

  private static int[] top(SearchResult r) {
    SearchResult.NodeScore[] nodes = r.getNodes();
    int[] out = new int[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      out[i] = nodes[i].node;
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    index.close();
  }
}
