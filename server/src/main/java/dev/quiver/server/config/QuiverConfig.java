package dev.quiver.server.config;

/**
 * The whole node configuration, built once at start-up from the layers {@link ConfigLoader} merges.
 * Key names are Qdrant's (snake_case in files). Immutable.
 */
public record QuiverConfig(
    String logLevel,
    LoggerSection logger,
    StorageSection storage,
    ServiceSection service,
    ClusterSection cluster,
    Boolean telemetryDisabled,
    TlsSection tls,
    AuditSection audit) {

  public QuiverConfig {
    logLevel = logLevel == null ? "INFO" : logLevel;
    logger = logger == null ? new LoggerSection(null) : logger;
    storage =
        storage == null
            ? new StorageSection(
                null, null, null, null, null, null, null, null, null, null, null, null)
            : storage;
    service = service == null ? ServiceSection.defaults() : service;
    cluster = cluster == null ? new ClusterSection(null, null, null, null, null, null) : cluster;
    telemetryDisabled = telemetryDisabled != null && telemetryDisabled;
    tls = tls == null ? new TlsSection(null, null, null, null) : tls;
    audit =
        audit == null ? new AuditSection(null, null, null, null, null, null, null, null) : audit;
  }
}
