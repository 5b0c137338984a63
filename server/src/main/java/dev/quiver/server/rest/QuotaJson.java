package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.storage.QuotaConfig;

/**
 * {@code /quotas} in Qdrant's JSON: {@code QuotaConfig}, {@code QuotaStatus}, {@code
 * QuotaTelemetry}.
 */
final class QuotaJson {
  private QuotaJson() {}

  /**
   * A {@code QuotaConfig} body: every field optional; limits 1-100, the margin 0-100 (else 422).
   */
  static QuotaConfig config(JsonNode body) {
    ObjectNode o = JsonArgs.object(body, "");
    Boolean enabled = JsonArgs.optBool(o, "enabled");
    return new QuotaConfig(
        enabled != null && enabled,
        JsonArgs.optInt(o, "max_resident_memory_percent", 1, 100),
        JsonArgs.optInt(o, "max_disk_usage_percent", 1, 100),
        JsonArgs.optInt(o, "release_margin_percent", 0, 100));
  }

  static ObjectNode config(QuotaConfig c) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("enabled", c.enabled());
    o.put("max_resident_memory_percent", c.maxResidentMemoryPercent());
    o.put("max_disk_usage_percent", c.maxDiskUsagePercent());
    o.put("release_margin_percent", c.releaseMarginPercent());
    return o;
  }

  /** {@code QuotaStatus}: {@code peers} only in a cluster. */
  static ObjectNode status(ResourceQuota.Status s) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.set("config", config(s.config()));
    ObjectNode usage = o.putObject("usage");
    usage.put("resident_memory_percent", s.usage().residentMemoryPercent());
    usage.put("disk_usage_percent", s.usage().diskUsagePercent());
    if (s.peers() != null) {
      ObjectNode peers = o.putObject("peers");
      s.peers()
          .forEach(
              (id, p) -> {
                ObjectNode peer = peers.putObject(Long.toString(id));
                peer.put("exceeded", p.exceeded());
                peer.put("resident_memory_percent", p.residentMemoryPercent());
                peer.put("disk_usage_percent", p.diskUsagePercent());
              });
    }
    return o;
  }

  /** {@code QuotaTelemetry}: the configuration this node applies and what it refuses work over. */
  static ObjectNode telemetry(ResourceQuota.Status s) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.set("config", config(s.config()));
    ObjectNode exceeded = o.putObject("exceeded");
    exceeded.put("resident_memory", s.exceeded().residentMemory());
    exceeded.put("disk_usage", s.exceeded().diskUsage());
    return o;
  }
}
