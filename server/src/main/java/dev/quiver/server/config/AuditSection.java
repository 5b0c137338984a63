package dev.quiver.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code audit}: the audit log of checked requests. */
public record AuditSection(
    Boolean enabled,
    String dir,
    Rotation rotation,
    Integer maxLogFiles,
    Boolean trustForwardedHeaders,
    Boolean logApi,
    Long maxFileSizeMb,
    Long maxTotalSizeMb) {

  /** How often audit files roll over. */
  public enum Rotation {
    @JsonProperty("daily")
    DAILY,
    @JsonProperty("hourly")
    HOURLY
  }

  public AuditSection {
    enabled = enabled != null && enabled;
    dir = dir == null ? "./storage/audit" : dir;
    rotation = rotation == null ? Rotation.DAILY : rotation;
    maxLogFiles = maxLogFiles == null ? 7 : Math.max(1, maxLogFiles);
    trustForwardedHeaders = trustForwardedHeaders != null && trustForwardedHeaders;
    logApi = logApi == null || logApi;
    maxFileSizeMb = maxFileSizeMb == null ? 100L : Math.max(1, maxFileSizeMb);
    maxTotalSizeMb = maxTotalSizeMb == null ? 1024L : Math.max(maxFileSizeMb, maxTotalSizeMb);
  }
}
