package dev.quiver.cluster.internal;

import dev.quiver.cluster.Catalog;
import dev.quiver.cluster.ClusterControl;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.PointAccess;
import dev.quiver.cluster.Quotas;
import dev.quiver.cluster.Snapshots;

/**
 * A dispatcher as the five capabilities a single node or a cluster node wires, and what closes the
 * node behind them. Thread-safe as its capabilities are.
 *
 * @param owner closes what the capabilities run on (storage, executors, the Raft server)
 */
public record Capabilities(
    Catalog catalog,
    PointAccess points,
    Snapshots snapshots,
    ClusterControl cluster,
    Quotas quotas,
    Runnable owner)
    implements Dispatcher {

  @Override
  public void close() {
    owner.run();
  }
}
