package dev.quiver.server.request;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.VectorNames;
import dev.quiver.storage.VectorParams;
import java.util.HashMap;
import java.util.Map;

/**
 * Adding a named vector to an existing collection, or deleting one ({@code PUT/DELETE
 * /collections/{c}/vectors/{name}}, gRPC {@code CreateVectorName} / {@code DeleteVectorName}), for
 * both edges: a change of the collection's configuration, so in a cluster it goes through the
 * metadata log like any other. Existing points have no vector of a new name; a deleted name's
 * vectors go, the points keep their others. Stateless (static methods only), so thread-safe.
 */
public final class NamedVectors {
  private NamedVectors() {}

  public static void create(
      Dispatcher dispatcher, String collection, String name, VectorParams params) {
    check(name);
    dispatcher
        .catalog()
        .updateCollection(
            collection,
            c -> {
              requireNew(c, name);
              if (c.unnamedVector()) {
                throw new StorageException.BadInput(
                    "Collection `"
                        + collection
                        + "` has an unnamed vector: named ones cannot be added");
              }
              Map<String, VectorParams> vectors = new HashMap<>(c.vectors());
              vectors.put(name, params);
              return with(c, vectors);
            });
  }

  /** Adds sparse vector {@code name}. */
  public static void createSparse(
      Dispatcher dispatcher, String collection, String name, SparseVectorParams params) {
    check(name);
    dispatcher
        .catalog()
        .updateCollection(
            collection,
            c -> {
              requireNew(c, name);
              Map<String, SparseVectorParams> sparse = new HashMap<>(c.sparseVectors());
              sparse.put(name, params);
              return c.withSparseVectors(sparse);
            });
  }

  public static void delete(Dispatcher dispatcher, String collection, String name) {
    dispatcher
        .catalog()
        .updateCollection(
            collection,
            c -> {
              if (c.sparseVectors().containsKey(name)) {
                Map<String, SparseVectorParams> sparse = new HashMap<>(c.sparseVectors());
                sparse.remove(name);
                return c.withSparseVectors(sparse);
              }
              if (!c.vectors().containsKey(name)) {
                throw new StorageException.NotFound(
                    "Vector with name `" + name + "` does not exist");
              }
              if (name.isEmpty()) {
                throw new StorageException.BadInput("The unnamed vector cannot be deleted");
              }
              Map<String, VectorParams> vectors = new HashMap<>(c.vectors());
              vectors.remove(name);
              return with(c, vectors);
            });
  }

  private static void requireNew(CollectionConfig c, String name) {
    if (c.hasVector(name)) {
      throw new StorageException.BadInput("Vector with name `" + name + "` already exists");
    }
  }

  private static void check(String name) {
    String problem = name.isEmpty() ? "must not be empty" : VectorNames.problem(name);
    if (problem != null) {
      throw new RequestException.Invalid("path", "vector_name", problem);
    }
  }

  private static CollectionConfig with(CollectionConfig c, Map<String, VectorParams> vectors) {
    return c.withVectors(vectors);
  }
}
