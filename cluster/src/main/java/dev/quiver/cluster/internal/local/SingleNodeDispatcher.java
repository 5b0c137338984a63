package dev.quiver.cluster.internal.local;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.internal.Capabilities;
import dev.quiver.cluster.internal.Fanout;
import dev.quiver.cluster.internal.QuotaControl;
import dev.quiver.cluster.internal.RoutedPoints;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;

/**
 * A node on its own: every capability over the local registry, which the dispatcher owns and closes
 * with the executor of its reads. This node is its own sequencer ({@link LocalCatalog} numbers
 * metadata changes, {@link LocalRoutes} point updates). Stateless (a factory).
 */
public final class SingleNodeDispatcher {
  private SingleNodeDispatcher() {}

  /**
   * @param executor runs the per-shard reads of a request (virtual threads suit it); shut down when
   *     the dispatcher closes
   */
  public static Dispatcher create(
      CollectionRegistry registry,
      Path snapshotsPath,
      ResourceQuota quota,
      ExecutorService executor) {
    LocalCatalog catalog = new LocalCatalog(registry, quota);
    return new Capabilities(
        catalog,
        new RoutedPoints(new LocalRoutes(registry, quota), new Fanout(executor)),
        new LocalSnapshots(registry, catalog, quota, snapshotsPath),
        new Standalone(registry, catalog),
        new QuotaControl(
            quota,
            quota::localStatus,
            config -> catalog.apply(new CollectionMetaOp.SetQuotas(config))),
        () -> {
          executor.shutdownNow();
          registry.close();
        });
  }
}
