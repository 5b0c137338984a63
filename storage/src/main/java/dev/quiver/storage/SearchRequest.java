package dev.quiver.storage;

import java.util.Objects;

/**
 * A nearest-neighbour query against one vector space of a collection.
 *
 * @param vectorName the vector space ({@link CollectionConfig#DEFAULT_VECTOR} for the unnamed one)
 * @param vector the query vector; not modified
 * @param limit how many results, at least 1
 * @param offset how many of the best results to skip
 * @param scoreThreshold only results at least this good, or null
 * @param hnswEf the search-time beam width of the HNSW index, or null for the index's default
 * @param exact scan every vector instead of using the index
 * @param filter only points that pass it, or null
 * @param sparseVector the query when {@code vectorName} is a sparse vector (then {@code vector} is
 *     empty), else null
 * @param quantization the search's {@code params.quantization}, or null for the defaults
 * @param acorn the search's {@code params.acorn} when enabled, else null
 */
public record SearchRequest(
    String vectorName,
    float[] vector,
    int limit,
    int offset,
    Float scoreThreshold,
    WithPayload withPayload,
    WithVectors withVectors,
    Integer hnswEf,
    boolean exact,
    Filter filter,
    SparseVector sparseVector,
    QuantizationParams quantization,
    AcornParams acorn) {

  /** A request without {@code params.acorn}. */
  public SearchRequest(
      String vectorName,
      float[] vector,
      int limit,
      int offset,
      Float scoreThreshold,
      WithPayload withPayload,
      WithVectors withVectors,
      Integer hnswEf,
      boolean exact,
      Filter filter,
      SparseVector sparseVector,
      QuantizationParams quantization) {
    this(
        vectorName,
        vector,
        limit,
        offset,
        scoreThreshold,
        withPayload,
        withVectors,
        hnswEf,
        exact,
        filter,
        sparseVector,
        quantization,
        null);
  }

  /** A request with the default quantization parameters. */
  public SearchRequest(
      String vectorName,
      float[] vector,
      int limit,
      int offset,
      Float scoreThreshold,
      WithPayload withPayload,
      WithVectors withVectors,
      Integer hnswEf,
      boolean exact,
      Filter filter,
      SparseVector sparseVector) {
    this(
        vectorName,
        vector,
        limit,
        offset,
        scoreThreshold,
        withPayload,
        withVectors,
        hnswEf,
        exact,
        filter,
        sparseVector,
        null);
  }

  /** The same request with {@code params} as its quantization parameters. */
  public SearchRequest withQuantization(QuantizationParams params) {
    return new SearchRequest(
        vectorName,
        vector,
        limit,
        offset,
        scoreThreshold,
        withPayload,
        withVectors,
        hnswEf,
        exact,
        filter,
        sparseVector,
        params,
        acorn);
  }

  /** The same request with {@code params} as its {@code params.acorn} (null: disabled). */
  public SearchRequest withAcorn(AcornParams params) {
    return new SearchRequest(
        vectorName,
        vector,
        limit,
        offset,
        scoreThreshold,
        withPayload,
        withVectors,
        hnswEf,
        exact,
        filter,
        sparseVector,
        quantization,
        params);
  }

  /** A request with a dense query vector. */
  public SearchRequest(
      String vectorName,
      float[] vector,
      int limit,
      int offset,
      Float scoreThreshold,
      WithPayload withPayload,
      WithVectors withVectors,
      Integer hnswEf,
      boolean exact,
      Filter filter) {
    this(
        vectorName,
        vector,
        limit,
        offset,
        scoreThreshold,
        withPayload,
        withVectors,
        hnswEf,
        exact,
        filter,
        null);
  }

  /** A request with a sparse query vector. */
  public static SearchRequest sparse(
      String vectorName,
      SparseVector vector,
      int limit,
      int offset,
      Float scoreThreshold,
      WithPayload withPayload,
      WithVectors withVectors,
      boolean exact,
      Filter filter) {
    return new SearchRequest(
        vectorName,
        new float[0],
        limit,
        offset,
        scoreThreshold,
        withPayload,
        withVectors,
        null,
        exact,
        filter,
        Objects.requireNonNull(vector, "vector"));
  }

  /** The same request with another limit, offset, filter and what to return. */
  public SearchRequest with(
      int newLimit,
      int newOffset,
      Filter newFilter,
      WithPayload newPayload,
      WithVectors newVectors) {
    return new SearchRequest(
        vectorName,
        vector,
        newLimit,
        newOffset,
        scoreThreshold,
        newPayload,
        newVectors,
        hnswEf,
        exact,
        newFilter,
        sparseVector,
        quantization,
        acorn);
  }

  /** A request without a filter. */
  public SearchRequest(
      String vectorName,
      float[] vector,
      int limit,
      int offset,
      Float scoreThreshold,
      WithPayload withPayload,
      WithVectors withVectors,
      Integer hnswEf,
      boolean exact) {
    this(
        vectorName,
        vector,
        limit,
        offset,
        scoreThreshold,
        withPayload,
        withVectors,
        hnswEf,
        exact,
        null);
  }

  /** A request with the index's default search parameters. */
  public SearchRequest(
      String vectorName,
      float[] vector,
      int limit,
      int offset,
      Float scoreThreshold,
      WithPayload withPayload,
      WithVectors withVectors) {
    this(
        vectorName,
        vector,
        limit,
        offset,
        scoreThreshold,
        withPayload,
        withVectors,
        null,
        false,
        null);
  }

  public SearchRequest {
    Objects.requireNonNull(vectorName, "vectorName");
    Objects.requireNonNull(vector, "vector");
    Objects.requireNonNull(withPayload, "withPayload");
    Objects.requireNonNull(withVectors, "withVectors");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, got " + limit);
    }
    if (filter != null && filter.isEmpty()) {
      filter = null;
    }
    if (hnswEf != null && hnswEf < 1) {
      throw new IllegalArgumentException("hnsw_ef must be >= 1, got " + hnswEf);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, got " + offset);
    }
  }
}
