package dev.quiver.cluster;

/** The node's view of the cluster; {@code enabled} false on a single node. */
public record ClusterStatus(boolean enabled) {
  public static final ClusterStatus DISABLED = new ClusterStatus(false);
}
