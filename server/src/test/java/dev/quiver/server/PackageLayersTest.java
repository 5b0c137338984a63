package dev.quiver.server;

import dev.quiver.testing.PackageLayers;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The server's packages form layers: decoded requests at the bottom, the query engine over them,
 * the guards (access, limits, strict mode) over the engine, metrics over the guards, the two edges
 * over all of those, and the node (the root package) wiring everything; the migration client stands
 * apart, over none of them.
 */
class PackageLayersTest {
  @Test
  void everyPackageImportsOnlyTheLayersBelowIt() {
    Set<String> belowEdges =
        Set.of("config", "net", "request", "query", "guard", "metrics", "recovery");
    PackageLayers.check(
        Path.of("src/main/java"),
        "dev.quiver.server",
        Map.ofEntries(
            Map.entry("config", Set.of()),
            Map.entry("net", Set.of()),
            Map.entry("recovery", Set.of()),
            Map.entry("request", Set.of()),
            Map.entry("query", Set.of("request")),
            Map.entry("guard", Set.of("request", "query")),
            Map.entry("metrics", Set.of("config", "guard")),
            Map.entry("rest", belowEdges),
            Map.entry("grpc", belowEdges),
            Map.entry("migrate", Set.of()),
            Map.entry(
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
                    "grpc",
                    "migrate"))));
  }
}
