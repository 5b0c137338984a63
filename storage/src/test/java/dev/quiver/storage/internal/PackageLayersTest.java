package dev.quiver.storage.internal;

import dev.quiver.testing.PackageLayers;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages form layers, each using only those below it: kernels and files at the
 * bottom, the graph and the inverted index over the vectors, the vector spaces over both, the shard
 * over the spaces, payloads and the WAL, the collection over its shards.
 */
class PackageLayersTest {
  @Test
  void everyPackageImportsOnlyTheLayersBelowIt() {
    PackageLayers.check(
        Path.of("src/main/java"),
        "dev.quiver.storage.internal",
        Map.of(
            "files",
            Set.of(),
            "vector",
            Set.of("files"),
            "payload",
            Set.of("files"),
            "wal",
            Set.of("files"),
            "hnsw",
            Set.of("vector", "files"),
            "quant",
            Set.of("vector", "files"),
            "sparse",
            Set.of("vector"),
            "space",
            Set.of("vector", "hnsw", "sparse", "quant"),
            "shard",
            Set.of("files", "wal", "vector", "hnsw", "sparse", "space", "payload"),
            "collection",
            Set.of("files", "wal", "vector", "hnsw", "sparse", "space", "payload", "shard")));
  }
}
