package dev.quiver.cluster;

import dev.quiver.storage.QuotaConfig;

/**
 * The resource quota: its enforcer on this node, the status across the peers, and its
 * configuration. Implementations are thread-safe.
 */
public interface Quotas {

  /**
   * The resource quota in force, this node's usage and verdict, and in a cluster what every peer
   * that answered reports about itself ({@code GET /quotas}).
   */
  ResourceQuota.Status quotaStatus();

  /** This node's quota enforcer (its configuration, usage and verdict, without asking peers). */
  ResourceQuota quota();

  /**
   * Replaces the cluster-wide quota configuration ({@code PUT /quotas}): persisted on every node
   * (in a cluster through the metadata log), in force at once.
   */
  void setQuotas(QuotaConfig config);
}
