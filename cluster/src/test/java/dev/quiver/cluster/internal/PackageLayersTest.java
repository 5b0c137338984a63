package dev.quiver.cluster.internal;

import dev.quiver.testing.PackageLayers;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The single node ({@code local}) and the Raft cluster ({@code raft}) implement the same seams
 * ({@link ShardRoutes}) over the shared pieces of this package, and never reach into each other.
 */
class PackageLayersTest {
  @Test
  void singleNodeAndClusterShareOnlyTheCommonPieces() {
    PackageLayers.check(
        Path.of("src/main/java"),
        "dev.quiver.cluster.internal",
        Map.of("", Set.of(), "local", Set.of(""), "raft", Set.of("")));
  }
}
