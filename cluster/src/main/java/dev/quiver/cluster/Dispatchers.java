package dev.quiver.cluster;

import dev.quiver.cluster.internal.local.SingleNodeDispatcher;
import dev.quiver.cluster.internal.raft.RaftCluster;
import dev.quiver.storage.CollectionRegistry;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Chooses the dispatcher at start-up. Stateless (static methods only), so thread-safe. */
public final class Dispatchers {
  private Dispatchers() {}

  /** The single-node dispatcher over local storage; it takes ownership of {@code registry}. */
  public static Dispatcher singleNode(CollectionRegistry registry) {
    return singleNode(registry, Path.of("snapshots"));
  }

  /** As {@link #singleNode(CollectionRegistry)}, with snapshots under {@code snapshotsPath}. */
  public static Dispatcher singleNode(CollectionRegistry registry, Path snapshotsPath) {
    return singleNode(registry, snapshotsPath, ResourceQuota.disabled());
  }

  /** As {@link #singleNode(CollectionRegistry, java.nio.file.Path)}, enforcing {@code quota}. */
  public static Dispatcher singleNode(
      CollectionRegistry registry, Path snapshotsPath, ResourceQuota quota) {
    return SingleNodeDispatcher.create(registry, snapshotsPath, quota, requestThreads());
  }

  /**
   * The Raft dispatcher: starts this node's P2P server and founds, joins or rejoins the cluster
   * (see {@link ClusterSettings}), enforcing {@code quota} across the peers (polled on {@code
   * timers}, the node's timer thread, which the caller owns). It takes ownership of {@code
   * registry}.
   */
  public static Dispatcher cluster(
      ClusterSettings settings,
      CollectionRegistry registry,
      ResourceQuota quota,
      ScheduledExecutorService timers) {
    return RaftCluster.start(settings, registry, quota, requestThreads(), timers).dispatcher();
  }

  /** Virtual threads for the per-shard calls of requests, named after their job. */
  private static ExecutorService requestThreads() {
    return Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("quiver-shard-call-", 0).factory());
  }
}
