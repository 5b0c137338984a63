package dev.quiver.server.query;

import dev.quiver.server.query.Queries.Example;
import dev.quiver.storage.Filter;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How a stage's vectors are read, checked, compared, combined and searched, dense, sparse or
 * multivectors: the vector arithmetic of the example-based queries (recommend, discover, context,
 * relevance feedback). Its cases are immutable.
 */
sealed interface VectorKind<V> permits VectorKind.Dense, VectorKind.Sparse, VectorKind.Multi {
  /** A vector given in the request; refused when it is of the other kind. */
  V given(Example e);

  /** The vector named {@code name} among a point's vectors, or null. */
  V stored(
      Map<String, float[]> dense,
      Map<String, SparseVector> sparse,
      Map<String, float[][]> multi,
      String name);

  /** The name of the stage's vector. */
  String using();

  /** The stage's own vector among a point's vectors, or null. */
  default V stored(
      Map<String, float[]> dense, Map<String, SparseVector> sparse, Map<String, float[][]> multi) {
    return stored(dense, sparse, multi, using());
  }

  /** Checked and made ready for {@link #similarity}. */
  V prepare(V v);

  /**
   * How similar a candidate is to an example (or to the query), larger is more similar; the example
   * is the query side where the comparison is not symmetric (MaxSim).
   */
  float similarity(V candidate, V example);

  V average(List<V> vs);

  /** {@code pos + (pos - neg)}. */
  V awayFrom(V pos, V neg);

  /**
   * What candidates are searched by, given the attracting examples and all of them: dense vectors
   * search by the attracting ones; sparse vectors by one vector over every example's dimensions,
   * since only points sharing a dimension with an example are candidates.
   */
  List<V> attract(List<V> attracting, List<V> all);

  SearchRequest request(
      V target,
      int limit,
      Float threshold,
      WithVectors with,
      Integer hnswEf,
      boolean exact,
      Filter filter);

  /** Dense vectors: the distance's similarity, dimensions checked. */
  record Dense(String using, VectorParams params) implements VectorKind<float[]> {
    @Override
    public float[] given(Example e) {
      return switch (e) {
        case Example.Vector x -> x.vector();
        case Example.Sparse _ ->
            throw new StorageException.BadInput(
                "Wrong input: vector `" + using + "` is dense; a sparse vector was given");
        case Example.Multi _ ->
            throw new StorageException.BadInput(
                "Wrong input: vector `" + using + "` is a single vector; a multivector was given");
        case Example.Point _ -> throw new IllegalStateException("a point is read, not given");
      };
    }

    @Override
    public float[] stored(
        Map<String, float[]> dense,
        Map<String, SparseVector> sparse,
        Map<String, float[][]> multi,
        String name) {
      return dense == null ? null : dense.get(name);
    }

    @Override
    public float[] prepare(float[] v) {
      if (v.length != params.size()) {
        throw new StorageException.BadInput(
            "Vector dimension error: expected dim: " + params.size() + ", got " + v.length);
      }
      return params.distance().prepare(v);
    }

    @Override
    public float similarity(float[] a, float[] b) {
      return params.distance().similarity(a, b);
    }

    @Override
    public float[] average(List<float[]> vs) {
      float[] sum = new float[params.size()];
      for (float[] v : vs) {
        for (int i = 0; i < sum.length; i++) {
          sum[i] += v[i];
        }
      }
      for (int i = 0; i < sum.length; i++) {
        sum[i] /= vs.size();
      }
      return sum;
    }

    @Override
    public List<float[]> attract(List<float[]> attracting, List<float[]> all) {
      return attracting;
    }

    @Override
    public float[] awayFrom(float[] pos, float[] neg) {
      float[] out = new float[pos.length];
      for (int i = 0; i < pos.length; i++) {
        out[i] = pos[i] + (pos[i] - neg[i]);
      }
      return out;
    }

    @Override
    public SearchRequest request(
        float[] target,
        int limit,
        Float threshold,
        WithVectors with,
        Integer hnswEf,
        boolean exact,
        Filter filter) {
      return new SearchRequest(
          using, target, limit, 0, threshold, WithPayload.NONE, with, hnswEf, exact, filter);
    }
  }

  /**
   * Sparse vectors: the dot product, 0 for vectors that share no dimension (as Qdrant scores them
   * for examples).
   */
  record Sparse(String using) implements VectorKind<SparseVector> {
    @Override
    public SparseVector given(Example e) {
      return switch (e) {
        case Example.Sparse x -> x.vector();
        case Example.Vector _, Example.Multi _ ->
            throw new StorageException.BadInput(
                "Wrong input: vector `" + using + "` is sparse; a dense vector was given");
        case Example.Point _ -> throw new IllegalStateException("a point is read, not given");
      };
    }

    @Override
    public SparseVector stored(
        Map<String, float[]> dense,
        Map<String, SparseVector> sparse,
        Map<String, float[][]> multi,
        String name) {
      return sparse == null ? null : sparse.get(name);
    }

    @Override
    public SparseVector prepare(SparseVector v) {
      return v;
    }

    @Override
    public float similarity(SparseVector a, SparseVector b) {
      float dot = a.dot(b);
      return Float.isNaN(dot) ? 0f : dot;
    }

    @Override
    public SparseVector average(List<SparseVector> vs) {
      SparseVector sum = SparseVector.EMPTY;
      for (SparseVector v : vs) {
        sum = sum.plus(v, 1f);
      }
      return sum.times(1f / vs.size());
    }

    @Override
    public List<SparseVector> attract(List<SparseVector> attracting, List<SparseVector> all) {
      SparseVector union = SparseVector.EMPTY;
      for (SparseVector v : all) {
        float[] ones = new float[v.size()];
        Arrays.fill(ones, 1f);
        union = union.plus(new SparseVector(v.indices(), ones), 1f); // every dimension, weight > 0
      }
      return List.of(union);
    }

    @Override
    public SparseVector awayFrom(SparseVector pos, SparseVector neg) {
      return pos.times(2f).plus(neg, -1f);
    }

    @Override
    public SearchRequest request(
        SparseVector target,
        int limit,
        Float threshold,
        WithVectors with,
        Integer hnswEf,
        boolean exact,
        Filter filter) {
      return SearchRequest.sparse(
          using, target, limit, 0, threshold, WithPayload.NONE, with, exact, filter);
    }
  }

  /**
   * Multivectors, compared as Qdrant does: MaxSim, each row of the example (the query side) matched
   * with its most similar row of the candidate, the similarities summed. Averaging examples joins
   * their rows, and moving away from negative examples joins their rows negated (Qdrant's {@code
   * average_vector} for multivectors); candidates are searched by each attracting example.
   */
  record Multi(String using, VectorParams params) implements VectorKind<float[][]> {
    @Override
    public float[][] given(Example e) {
      return switch (e) {
        case Example.Multi x -> x.rows();
        case Example.Vector x -> new float[][] {x.vector()};
        case Example.Sparse _ ->
            throw new StorageException.BadInput(
                "Wrong input: vector `" + using + "` is a multivector; a sparse vector was given");
        case Example.Point _ -> throw new IllegalStateException("a point is read, not given");
      };
    }

    @Override
    public float[][] stored(
        Map<String, float[]> dense,
        Map<String, SparseVector> sparse,
        Map<String, float[][]> multi,
        String name) {
      return multi == null ? null : multi.get(name);
    }

    @Override
    public float[][] prepare(float[][] rows) {
      if (rows.length == 0) {
        throw new StorageException.BadInput("Wrong input: a multivector needs at least one vector");
      }
      float[][] out = new float[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        if (rows[i].length != params.size()) {
          throw new StorageException.BadInput(
              "Vector dimension error: expected dim: " + params.size() + ", got " + rows[i].length);
        }
        out[i] = params.distance().prepare(rows[i]);
      }
      return out;
    }

    @Override
    public float similarity(float[][] candidate, float[][] example) {
      float sum = 0;
      for (float[] q : example) {
        float best = Float.NEGATIVE_INFINITY;
        for (float[] d : candidate) {
          best = Math.max(best, params.distance().similarity(q, d));
        }
        sum += best;
      }
      return sum;
    }

    @Override
    public float[][] average(List<float[][]> vs) {
      List<float[]> rows = new ArrayList<>();
      vs.forEach(v -> rows.addAll(List.of(v)));
      return rows.toArray(new float[0][]);
    }

    @Override
    public float[][] awayFrom(float[][] pos, float[][] neg) {
      float[][] out = Arrays.copyOf(pos, pos.length + neg.length);
      for (int i = 0; i < neg.length; i++) {
        float[] r = new float[neg[i].length];
        for (int d = 0; d < r.length; d++) {
          r[d] = -neg[i][d];
        }
        out[pos.length + i] = r;
      }
      return out;
    }

    @Override
    public List<float[][]> attract(List<float[][]> attracting, List<float[][]> all) {
      return attracting;
    }

    @Override
    public SearchRequest request(
        float[][] target,
        int limit,
        Float threshold,
        WithVectors with,
        Integer hnswEf,
        boolean exact,
        Filter filter) {
      return new SearchRequest(
          using,
          new Example.Multi(target).flat(),
          limit,
          0,
          threshold,
          WithPayload.NONE,
          with,
          hnswEf,
          exact,
          filter);
    }
  }
}
