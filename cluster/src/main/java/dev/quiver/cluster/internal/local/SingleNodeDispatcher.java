package dev.quiver.cluster.internal.local;

import dev.quiver.cluster.Catalog;
import dev.quiver.cluster.ClusterControl;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.PointAccess;
import dev.quiver.cluster.Quotas;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.Snapshots;
import dev.quiver.cluster.internal.Fanout;
import dev.quiver.cluster.internal.QuotaControl;
import dev.quiver.cluster.internal.RoutedPoints;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;

/**
 * A node on its own: every capability over the local registry, which it owns and closes. This node
 * is its own sequencer ({@link LocalCatalog} numbers metadata changes, {@link LocalRoutes} point
 * updates). Thread-safe.
 */
public final class SingleNodeDispatcher implements Dispatcher {
  private final CollectionRegistry registry;
  private final ExecutorService executor;
  private final LocalCatalog catalog;
  private final PointAccess points;
  private final Snapshots snapshots;
  private final ClusterControl cluster;
  private final Quotas quotas;

  /**
   * @param executor runs the per-shard reads of a request (virtual threads suit it); closed with
   *     the dispatcher
   */
  public SingleNodeDispatcher(
      CollectionRegistry registry,
      Path snapshotsPath,
      ResourceQuota quota,
      ExecutorService executor) {
    this.registry = registry;
    this.executor = executor;
    this.catalog = new LocalCatalog(registry, quota);
    this.points = new RoutedPoints(new LocalRoutes(registry, quota), new Fanout(executor));
    this.snapshots = new LocalSnapshots(registry, catalog, quota, snapshotsPath);
    this.cluster = new Standalone(registry, catalog);
    this.quotas =
        new QuotaControl(
            quota,
            quota::localStatus,
            config -> catalog.apply(new CollectionMetaOp.SetQuotas(config)));
  }

  @Override
  public Catalog catalog() {
    return catalog;
  }

  @Override
  public PointAccess points() {
    return points;
  }

  @Override
  public Snapshots snapshots() {
    return snapshots;
  }

  @Override
  public ClusterControl cluster() {
    return cluster;
  }

  @Override
  public Quotas quotas() {
    return quotas;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    registry.close();
  }
}
