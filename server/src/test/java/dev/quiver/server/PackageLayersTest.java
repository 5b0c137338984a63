package dev.quiver.server;

import dev.quiver.testing.PackageLayers;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The server's packages form layers: decoded requests at the bottom, the query engine over them,
 * the guards (access, limits, strict mode) over the engine, metrics over the guards, the two edges
 * over all of those, and the node (the root package) wiring everything.
 */
class PackageLayersTest {
  @Test
  void everyPackageImportsOnlyTheLayersBelowIt() {
    Set<String> belowEdges =
        Set.of("config", "net", "request", "query", "guard", "metrics", "recovery");
    PackageLayers.check(
        Path.of("src/main/java"),
        "dev.quiver.server",
        Map.of(
            "config",
            Set.of(),
            "net",
            Set.of(),
            "recovery",
            Set.of(),
            "request",
            Set.of(),
            "query",
            Set.of("request"),
            "guard",
            Set.of("request", "query"),
            "metrics",
            Set.of("config", "guard"),
            "rest",
            belowEdges,
            "grpc",
            belowEdges,
            "",
            Set.of(
                "config",
                "net",
                "request",
                "query",
                "guard",
                "metrics",
                "recovery",
                "rest",
                "grpc")));
  }
}
