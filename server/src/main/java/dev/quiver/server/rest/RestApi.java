package dev.quiver.server.rest;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.server.config.SecurityChecklist;
import dev.quiver.server.metrics.Metrics;
import dev.quiver.server.recovery.SnapshotDownloads;
import dev.quiver.server.request.CreateCollection;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Qdrant's REST routes, by family ({@link ServiceRoutes}, {@link CollectionRoutes}, {@link
 * PointRoutes}, {@link SnapshotRoutes}, {@link ClusterRoutes}, and the web console's {@link
 * ConsoleRoutes}): each handler decodes with the JSON codecs, calls the {@link Dispatcher} and
 * encodes the answer; the gRPC edge calls the same dispatcher. Thread-safe.
 */
final class RestApi {
  private final List<RouteFamily> families;

  RestApi(
      Dispatcher dispatcher,
      CreateCollection.CollectionDefaults defaults,
      Path auditDir,
      Metrics metrics,
      SnapshotDownloads downloads,
      Supplier<List<SecurityChecklist.Item>> securityCheck) {
    this.families =
        List.of(
            new ServiceRoutes(dispatcher, metrics, auditDir, securityCheck),
            new CollectionRoutes(dispatcher, defaults),
            new PointRoutes(dispatcher),
            new SnapshotRoutes(dispatcher, downloads),
            new ClusterRoutes(dispatcher),
            new ConsoleRoutes());
  }

  /**
   * The handlers by operation; every operation must be in the action table with a REST route, and
   * belongs to one family.
   */
  Map<String, Router.Handler> handlers() {
    var all = new HashMap<String, Router.Handler>();
    for (RouteFamily family : families) {
      var one = new HashMap<String, Router.Handler>();
      family.register(one);
      for (String op : one.keySet()) {
        if (all.containsKey(op)) {
          throw new IllegalStateException("operation " + op + " is registered twice");
        }
      }
      all.putAll(one);
    }
    return all;
  }
}
