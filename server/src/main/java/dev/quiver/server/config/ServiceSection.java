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
    Boolean enableSnapshotUrlRecovery) {

  public ServiceSection {
    host = host == null ? "0.0.0.0" : host;
    httpPort = httpPort == null ? 6333 : httpPort;
    maxRequestSizeMb = maxRequestSizeMb == null ? 32 : maxRequestSizeMb;
    maxWorkers = maxWorkers == null ? 0 : maxWorkers;
    httpKeepAliveTimeoutSec = httpKeepAliveTimeoutSec == null ? 5 : httpKeepAliveTimeoutSec;
    enableCors = enableCors == null || enableCors;
    enableTls = enableTls != null && enableTls;
    verifyHttpsClientCertificate =
        verifyHttpsClientCertificate != null && verifyHttpsClientCertificate;
    jwtRbac = jwtRbac != null && jwtRbac;
    enforceInternalAuth = enforceInternalAuth != null && enforceInternalAuth;
    enableSnapshotUrlRecovery = enableSnapshotUrlRecovery == null || enableSnapshotUrlRecovery;
  }

  static ServiceSection defaults() {
    return new ServiceSection(
        null, null, 6334, null, null, null, null, null, null, null, null, null, null, null, null,
        null);
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
