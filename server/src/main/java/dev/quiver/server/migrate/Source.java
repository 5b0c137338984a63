package dev.quiver.server.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;

/**
 * What a migration reads from its source, whatever the protocol: each answer in the shape of
 * Qdrant's REST API ({@code result} of the matching call), so one migration serves a REST and a
 * gRPC source alike. Implementations are used by one migration on one thread.
 */
interface Source extends AutoCloseable {
  /** The names of the source's collections ({@code GET /collections}). */
  List<String> collections() throws IOException, InterruptedException;

  /** A collection's info: {@code config}, {@code payload_schema} ({@code GET /collections/{c}}). */
  JsonNode collection(String name) throws IOException, InterruptedException;

  /** A collection's shards: {@code local_shards}, {@code remote_shards} with their shard keys. */
  JsonNode cluster(String name) throws IOException, InterruptedException;

  /** The exact number of points in a collection. */
  long count(String name) throws IOException, InterruptedException;

  /**
   * A page of points with payloads and every vector, from {@code offset} (null for the first):
   * {@code points} and {@code next_page_offset} (null after the last page).
   */
  JsonNode scroll(String name, JsonNode offset, int limit) throws IOException, InterruptedException;

  /** The points of these ids with payloads and every vector ({@code POST /points}). */
  JsonNode points(String name, List<JsonNode> ids) throws IOException, InterruptedException;

  /** Every alias: {@code aliases} of {@code alias_name}, {@code collection_name}. */
  JsonNode aliases() throws IOException, InterruptedException;

  /** Releases the connection; the default has nothing to release. */
  @Override
  default void close() {}
}
