package dev.quiver.storage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cluster-wide limits on node resources (Qdrant's {@code QuotaConfig}): while {@code enabled}, a
 * node refuses memory-consuming writes once its resident memory reaches {@code
 * maxResidentMemoryPercent} of the memory available to it, and disk-consuming writes once the
 * filesystem of its storage is {@code maxDiskUsagePercent} full; it accepts them again once the
 * resource is {@code releaseMarginPercent} points below the limit. A null limit is no cap; a null
 * margin leaves {@link #DEFAULT_RELEASE_MARGIN_PERCENT} in force. Persisted as {@code quota.json}
 * in the storage directory. Immutable.
 */
public record QuotaConfig(
    boolean enabled,
    Integer maxResidentMemoryPercent,
    Integer maxDiskUsagePercent,
    Integer releaseMarginPercent) {

  /** The margin when none is set: readings a few points apart do not flip the node. */
  public static final int DEFAULT_RELEASE_MARGIN_PERCENT = 5;

  /** Nothing enforced: the configuration until one is set. */
  public static final QuotaConfig DISABLED = new QuotaConfig(false, null, null, null);

  public QuotaConfig {
    String problem = problem(maxResidentMemoryPercent, maxDiskUsagePercent, releaseMarginPercent);
    if (problem != null) {
      throw new StorageException.BadInput(problem);
    }
  }

  /**
   * What is wrong with these values (Qdrant's validation wording), or null: limits must be 1-100,
   * the margin 0-100.
   */
  public static String problem(Integer memory, Integer disk, Integer margin) {
    if (memory != null && (memory < 1 || memory > 100)) {
      return "max_resident_memory_percent: value " + memory + " invalid, must be from 1 to 100";
    }
    if (disk != null && (disk < 1 || disk > 100)) {
      return "max_disk_usage_percent: value " + disk + " invalid, must be from 1 to 100";
    }
    if (margin != null && (margin < 0 || margin > 100)) {
      return "release_margin_percent: value " + margin + " invalid, must be from 0 to 100";
    }
    return null;
  }

  /** The margin in force: the one set, else the default. */
  public int releaseMargin() {
    return releaseMarginPercent == null ? DEFAULT_RELEASE_MARGIN_PERCENT : releaseMarginPercent;
  }

  /** The fields by their Qdrant names, in order (null for unset limits). */
  public Map<String, Object> fields() {
    var m = new LinkedHashMap<String, Object>();
    m.put("enabled", enabled);
    m.put("max_resident_memory_percent", maxResidentMemoryPercent);
    m.put("max_disk_usage_percent", maxDiskUsagePercent);
    m.put("release_margin_percent", releaseMarginPercent);
    return m;
  }

  /** This configuration as the JSON object of {@code quota.json}. */
  public String toJson() {
    var sb = new StringBuilder("{");
    fields()
        .forEach(
            (k, v) ->
                sb.append(sb.length() > 1 ? ", " : "")
                    .append('"')
                    .append(k)
                    .append("\": ")
                    .append(v));
    return sb.append("}\n").toString();
  }

  /**
   * Reads what {@link #toJson()} wrote: one flat object of booleans, integers and nulls. Unknown
   * keys are ignored (a later version may add some); anything else is {@link ShardCodec.Malformed}.
   */
  public static QuotaConfig fromJson(String json) throws ShardCodec.Malformed {
    String body = json.strip();
    if (!body.startsWith("{") || !body.endsWith("}")) {
      throw new ShardCodec.Malformed("not a JSON object");
    }
    var values = new LinkedHashMap<String, String>();
    String inner = body.substring(1, body.length() - 1).strip();
    if (!inner.isEmpty()) {
      for (String member : inner.split(",")) {
        int colon = member.indexOf(':');
        String key = colon < 0 ? "" : member.substring(0, colon).strip();
        if (colon < 0 || key.length() < 2 || !key.startsWith("\"") || !key.endsWith("\"")) {
          throw new ShardCodec.Malformed("bad member " + member.strip());
        }
        values.put(key.substring(1, key.length() - 1), member.substring(colon + 1).strip());
      }
    }
    String enabled = values.getOrDefault("enabled", "false");
    if (!enabled.equals("true") && !enabled.equals("false")) {
      throw new ShardCodec.Malformed("enabled is " + enabled);
    }
    try {
      return new QuotaConfig(
          enabled.equals("true"),
          percent(values.get("max_resident_memory_percent")),
          percent(values.get("max_disk_usage_percent")),
          percent(values.get("release_margin_percent")));
    } catch (StorageException.BadInput e) {
      throw new ShardCodec.Malformed(e.getMessage());
    }
  }

  private static Integer percent(String v) throws ShardCodec.Malformed {
    if (v == null || v.equals("null")) {
      return null;
    }
    try {
      return Integer.valueOf(v);
    } catch (NumberFormatException e) {
      throw new ShardCodec.Malformed("not an integer: " + v);
    }
  }
}
