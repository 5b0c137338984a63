package dev.quiver.api;

/**
 * The public wire contract Quiver implements: the {@code qdrant} gRPC package as generated in
 * {@code io.qdrant:client} (classes under {@code io.qdrant.client.grpc}), which this module
 * re-exports. Quiver's own internal protos (peer traffic, Raft entries) will live here too.
 * Stateless (static methods only), so thread-safe.
 */
public final class QdrantApi {
  /** The title Qdrant reports from {@code GET /} and {@code HealthCheck}. */
  public static final String TITLE = "qdrant - vector search engine";

  private QdrantApi() {}
}
