package dev.quiver.server.request;

import dev.quiver.storage.Value;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a request may set in a collection's {@code strict_mode_config}: each field's type and bounds
 * as Qdrant's OpenAPI document gives them, and how a change merges into what is stored. Fields
 * Quiver does not enforce are refused by name ({@link #UNIMPLEMENTED}) rather than stored and
 * ignored. Stateless.
 */
public final class StrictModeSettings {
  private StrictModeSettings() {}

  private static final Set<String> NUMBERS =
      Set.of(
          "max_query_limit",
          "max_timeout",
          "search_max_hnsw_ef",
          "upsert_max_batchsize",
          "search_max_batchsize",
          "max_points_count",
          "filter_max_conditions",
          "condition_max_size",
          "max_payload_index_count",
          "read_rate_limit",
          "write_rate_limit",
          "max_collection_vector_size_bytes",
          "max_collection_payload_size_bytes");

  /** The fields a count of at least one must hold, as the OpenAPI document bounds them. */
  private static final Set<String> AT_LEAST_ONE =
      Set.of("max_query_limit", "max_timeout", "max_points_count");

  private static final Set<String> FLAGS =
      Set.of(
          "enabled",
          "unindexed_filtering_retrieve",
          "unindexed_filtering_update",
          "search_allow_exact");

  /**
   * Fields of Qdrant's strict mode Quiver does not enforce yet; refused by name rather than stored
   * and ignored.
   */
  public static final Set<String> UNIMPLEMENTED = Set.of("max_resident_memory_percent");

  /**
   * Checks a {@code strict_mode_config} as a request sets it and merges it into {@code now}: a
   * field given replaces the stored one (null keeps it), the sparse and multivector maps merge by
   * vector name.
   *
   * @param where "JSON body" or "body", for validation errors
   */
  public static Value.Struct merged(Value.Struct now, Value.Struct change, String where) {
    Map<String, Value> out = new LinkedHashMap<>(now == null ? Map.of() : now.fields());
    for (var e : change.fields().entrySet()) {
      String key = e.getKey();
      Value v = e.getValue();
      String path = "strict_mode_config." + key;
      if (v instanceof Value.Null) {
        continue;
      }
      if (UNIMPLEMENTED.contains(key)) {
        throw new RequestException.Unsupported(
            "Bad request: `"
                + path
                + "` is not supported by Quiver"
                + (key.equals("max_resident_memory_percent")
                    ? "; the node's quotas (`PUT /quotas`) cap memory for every collection"
                    : "; remove it from the request"));
      }
      if (FLAGS.contains(key)) {
        if (!(v instanceof Value.Bool)) {
          throw new RequestException.Malformed(
              "Format error in JSON body: invalid type: expected a boolean at `" + path + "`");
        }
        out.put(key, v);
      } else if (key.equals("search_max_oversampling")) {
        if (!(v instanceof Value.Int || v instanceof Value.Double)) {
          throw new RequestException.Malformed(
              "Format error in JSON body: invalid type: expected a number at `" + path + "`");
        }
        double d = v instanceof Value.Int i ? i.value() : ((Value.Double) v).value();
        if (!(d >= 0)) {
          throw new RequestException.Invalid(
              where, path, "value " + d + " invalid, must be 0 or more");
        }
        out.put(key, new Value.Double(d));
      } else if (NUMBERS.contains(key)) {
        out.put(key, new Value.Int(count(v, path, AT_LEAST_ONE.contains(key) ? 1 : 0, where)));
      } else if (key.equals("sparse_config") || key.equals("multivector_config")) {
        String inner = key.equals("sparse_config") ? "max_length" : "max_vectors";
        Map<String, Value> byName =
            new LinkedHashMap<>(
                out.get(key) instanceof Value.Struct s ? s.fields() : Map.<String, Value>of());
        if (!(v instanceof Value.Struct vs)) {
          throw new RequestException.Malformed(
              "Format error in JSON body: invalid type: expected a map at `" + path + "`");
        }
        for (var named : vs.fields().entrySet()) {
          String at = path + "." + named.getKey();
          if (!(named.getValue() instanceof Value.Struct limits)) {
            throw new RequestException.Malformed(
                "Format error in JSON body: invalid type: expected a map at `" + at + "`");
          }
          for (String f : limits.fields().keySet()) {
            if (!f.equals(inner)) {
              throw new RequestException.Unsupported(
                  "Bad request: `" + at + "." + f + "` is not supported by Quiver");
            }
          }
          Value max = limits.fields().get(inner);
          if (max != null && !(max instanceof Value.Null)) {
            byName.put(
                named.getKey(),
                new Value.Struct(
                    Map.of(inner, new Value.Int(count(max, at + "." + inner, 1, where)))));
          }
        }
        out.put(key, new Value.Struct(byName));
      } else {
        throw new RequestException.Unsupported(
            "Bad request: `" + path + "` is not supported by Quiver; remove it from the request");
      }
    }
    return new Value.Struct(out);
  }

  private static long count(Value v, String path, int min, String where) {
    if (!(v instanceof Value.Int i) || i.value() < 0) {
      throw new RequestException.Malformed(
          "Format error in JSON body: invalid type: expected a non-negative integer at `"
              + path
              + "`");
    }
    if (i.value() < min) {
      throw new RequestException.Invalid(
          where, path, "value " + i.value() + " invalid, must be " + min + " or more");
    }
    return i.value();
  }
}
