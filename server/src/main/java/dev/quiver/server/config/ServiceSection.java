package dev.quiver.server.config;

/**
 * {@code service}: the public ports, limits, and the credentials. Its {@code toString} never shows
 * a key.
 */
public record ServiceSection(
    String host,
    Integer httpPort,
    Integer grpcPort,
    Integer metricsPort,
    Integer maxRequestSizeMb,
    Integer maxWorkers,
    Integer httpKeepAliveTimeoutSec,
    Boolean enableCors,
    Boolean enableTls,
    Boolean verifyHttpsClientCertificate,
    String apiKey,
    String altApiKey,
    String readOnlyApiKey,
    Boolean jwtRbac,
    Boolean enforceInternalAuth,
    Boolean enableSnapshotUrlRecovery,
    Integer maxConcurrentRequests,
    Long maxResultPoints,
    Integer maxFilterConditions,
    Integer httpClientRequestTimeoutSec,
    Integer maxConnectionsPerIp,
    Boolean snapshotUrlRecoveryAllowPrivate,
    Long snapshotUrlRecoveryMaxSizeMb) {

  public ServiceSection {
    host = host == null ? "0.0.0.0" : host;
    httpPort = httpPort == null ? 6333 : httpPort;
    maxRequestSizeMb = maxRequestSizeMb == null ? 32 : maxRequestSizeMb;
    maxWorkers = maxWorkers == null ? 0 : maxWorkers;
    if (maxWorkers < 0 || maxWorkers > 4096) {
      throw new IllegalArgumentException("service.max_workers must be from 0 to 4096");
    }
    httpKeepAliveTimeoutSec = httpKeepAliveTimeoutSec == null ? 5 : httpKeepAliveTimeoutSec;
    enableCors = enableCors == null || enableCors;
    enableTls = enableTls != null && enableTls;
    verifyHttpsClientCertificate =
        verifyHttpsClientCertificate != null && verifyHttpsClientCertificate;
    jwtRbac = jwtRbac != null && jwtRbac;
    enforceInternalAuth = enforceInternalAuth != null && enforceInternalAuth;
    enableSnapshotUrlRecovery = enableSnapshotUrlRecovery == null || enableSnapshotUrlRecovery;
    maxConcurrentRequests = atLeastOne(maxConcurrentRequests, 512, "max_concurrent_requests");
    maxResultPoints = maxResultPoints == null ? 100_000L : maxResultPoints;
    if (maxResultPoints < 1) {
      throw new IllegalArgumentException("service.max_result_points must be at least 1");
    }
    maxFilterConditions = atLeastOne(maxFilterConditions, 10_000, "max_filter_conditions");
    httpClientRequestTimeoutSec =
        atLeastOne(httpClientRequestTimeoutSec, 5, "http_client_request_timeout_sec");
    maxConnectionsPerIp = atLeastOne(maxConnectionsPerIp, 256, "max_connections_per_ip");
    snapshotUrlRecoveryAllowPrivate =
        snapshotUrlRecoveryAllowPrivate != null && snapshotUrlRecoveryAllowPrivate;
    snapshotUrlRecoveryMaxSizeMb =
        snapshotUrlRecoveryMaxSizeMb == null ? 65536L : snapshotUrlRecoveryMaxSizeMb;
    if (snapshotUrlRecoveryMaxSizeMb < 1 || snapshotUrlRecoveryMaxSizeMb > (1L << 40)) {
      throw new IllegalArgumentException(
          "service.snapshot_url_recovery_max_size_mb must be from 1 to 2^40");
    }
  }

  /**
   * The threads that carry REST and gRPC traffic (reading, HTTP/2 and HTTP/1 framing, TLS): {@code
   * max_workers}, or as Qdrant's 0 the cores less one (at least one). The requests themselves run
   * on virtual threads, at most {@code max_concurrent_requests} at once.
   */
  public int ioThreads() {
    return maxWorkers > 0
        ? maxWorkers
        : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
  }

  private static int atLeastOne(Integer v, int absent, String key) {
    if (v == null) {
      return absent;
    }
    if (v < 1) {
      throw new IllegalArgumentException("service." + key + " must be at least 1");
    }
    return v;
  }

  static ServiceSection defaults() {
    return new ServiceSection(
        null, null, 6334, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null);
  }

  /** True when {@code key} is set and not empty (Qdrant treats empty keys as unset). */
  public static boolean isSet(String key) {
    return key != null && !key.isEmpty();
  }

  @Override
  public String toString() {
    return "ServiceSection[host="
        + host
        + ", httpPort="
        + httpPort
        + ", grpcPort="
        + grpcPort
        + ", enableTls="
        + enableTls
        + ", apiKey="
        + (isSet(apiKey) ? "<set>" : "<unset>")
        + ", altApiKey="
        + (isSet(altApiKey) ? "<set>" : "<unset>")
        + ", readOnlyApiKey="
        + (isSet(readOnlyApiKey) ? "<set>" : "<unset>")
        + ", jwtRbac="
        + jwtRbac
        + "]";
  }
}
