package dev.quiver.cluster.internal;

import dev.quiver.cluster.Quotas;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.storage.QuotaConfig;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The quota capability of a single node and of a cluster: the node's enforcer, a status source (the
 * node alone, or every peer that answers) and where a new configuration goes (the local registry,
 * or the metadata log). Thread-safe.
 */
public final class QuotaControl implements Quotas {
  private final ResourceQuota quota;
  private final Supplier<ResourceQuota.Status> status;
  private final Consumer<QuotaConfig> persist;

  public QuotaControl(
      ResourceQuota quota, Supplier<ResourceQuota.Status> status, Consumer<QuotaConfig> persist) {
    this.quota = quota;
    this.status = status;
    this.persist = persist;
  }

  @Override
  public ResourceQuota.Status quotaStatus() {
    return status.get();
  }

  @Override
  public ResourceQuota quota() {
    return quota;
  }

  @Override
  public void setQuotas(QuotaConfig config) {
    persist.accept(config);
  }
}
