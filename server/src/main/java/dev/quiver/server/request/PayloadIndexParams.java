package dev.quiver.server.request;

import dev.quiver.storage.Value;
import java.util.Set;

/**
 * Checks the parameters of a payload index as either API hands them over (the REST shape of {@code
 * field_schema}): only the options Qdrant defines for its type, flags as booleans, {@code memory}
 * one of Qdrant's placements (the text analysis checks its own options). An option of another type
 * is refused by name, as any field Quiver does not take. Stateless, so thread-safe.
 */
public final class PayloadIndexParams {
  /** The flags whose values must be booleans. */
  private static final Set<String> FLAGS =
      Set.of("is_tenant", "is_principal", "on_disk", "enable_hnsw", "prefix", "lookup", "range");

  /** Qdrant's placements of an index's data ({@code Memory}). */
  public static final Set<String> MEMORY = Set.of("cold", "cached", "pinned");

  private PayloadIndexParams() {}

  /** Refuses what an index of {@code type} cannot take in {@code params} ({@code path}: where). */
  public static void check(String type, Value.Struct params, String path) {
    if (params == null) {
      return;
    }
    Set<String> allowed = ImplementedFields.INDEX_PARAMS.get(type);
    for (var e : params.fields().entrySet()) {
      String key = e.getKey();
      Value v = e.getValue();
      if (key.equals("type") || v instanceof Value.Null) {
        continue;
      }
      String at = path + "." + key;
      if (allowed == null || !allowed.contains(key)) {
        throw new RequestException.Unsupported(
            "Bad request: `" + at + "` is not supported by Quiver; remove it from the request");
      }
      if (FLAGS.contains(key) && !(v instanceof Value.Bool)) {
        throw new RequestException.Malformed(
            "Json deserialize error: invalid type: " + kind(v) + ", expected a boolean at " + at);
      }
      if (key.equals("memory") && !(v instanceof Value.Str s && MEMORY.contains(s.value()))) {
        throw new RequestException.Malformed(
            "Json deserialize error: unknown variant "
                + (v instanceof Value.Str s ? "`" + s.value() + "`" : kind(v))
                + ", expected one of `cold`, `cached`, `pinned` at "
                + at);
      }
    }
  }

  private static String kind(Value v) {
    return switch (v) {
      case Value.Str s -> "string \"" + s.value() + "\"";
      case Value.Int i -> "integer `" + i.value() + "`";
      case Value.Double d -> "floating point `" + d.value() + "`";
      case Value.Array a -> "sequence";
      case Value.Struct s -> "map";
      default -> String.valueOf(v);
    };
  }
}
