package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.Value;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Payload values, point ids and shard keys between Qdrant's REST JSON and the domain types: the
 * scalars every request and answer carries. Shape errors become {@link RequestException.Malformed}
 * (400), rule violations {@link RequestException.Invalid} (422). Stateless and thread-safe.
 */
final class ValueJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ValueJson() {}

  static List<PointId> pointIds(JsonNode node, String path) {
    ArrayNode arr = array(node, path);
    List<PointId> ids = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      ids.add(pointId(arr.get(i), path + "[" + i + "]"));
    }
    return ids;
  }

  static PointId pointId(JsonNode node, String path) {
    if (node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0) {
      return PointId.of(node.asLong());
    }
    if (node.isBigInteger()
        && node.bigIntegerValue().signum() >= 0
        && node.bigIntegerValue().bitLength() <= 64) {
      return PointId.of(node.bigIntegerValue().longValue());
    }
    if (node.isTextual()) {
      PointId id = parsePointId(node.asText());
      if (id != null) {
        return id;
      }
    }
    throw new RequestException.Malformed(
        "Format error in JSON body: data did not match any variant of untagged enum ExtendedPointId at `"
            + path
            + "`");
  }

  /** An id from a path segment or string: an unsigned integer or a UUID; null if neither. */
  static PointId parsePointId(String s) {
    try {
      return PointId.of(Long.parseUnsignedLong(s));
    } catch (NumberFormatException e) {
      // not an integer
    }
    try {
      if (s.length() == 32 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        s =
            s.substring(0, 8)
                + "-"
                + s.substring(8, 12)
                + "-"
                + s.substring(12, 16)
                + "-"
                + s.substring(16, 20)
                + "-"
                + s.substring(20);
      }
      if (s.length() == 36) {
        return PointId.of(UUID.fromString(s));
      }
    } catch (IllegalArgumentException e) {
      // not a UUID
    }
    return null;
  }

  static Value.Struct payload(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return Value.Struct.EMPTY;
    }
    if (!node.isObject()) {
      throw malformed(node, "a map (payload)", path);
    }
    return (Value.Struct) value(node);
  }

  static Value value(JsonNode n) {
    return switch (n.getNodeType()) {
      case NULL, MISSING -> Value.Null.INSTANCE;
      case BOOLEAN -> new Value.Bool(n.booleanValue());
      case NUMBER ->
          n.isIntegralNumber() && n.canConvertToLong()
              ? new Value.Int(n.longValue())
              : new Value.Double(n.doubleValue());
      case STRING -> new Value.Str(n.textValue());
      case ARRAY -> {
        List<Value> values = new ArrayList<>(n.size());
        n.forEach(x -> values.add(value(x)));
        yield new Value.Array(values);
      }
      case OBJECT -> {
        Map<String, Value> fields = new LinkedHashMap<>();
        n.properties().forEach(e -> fields.put(e.getKey(), value(e.getValue())));
        yield new Value.Struct(fields);
      }
      case BINARY, POJO -> new Value.Str(n.asText());
    };
  }

  // ---------------------------------------------------------------- responses

  static JsonNode json(Value v) {
    return switch (v) {
      case Value.Null n -> F.nullNode();
      case Value.Bool b -> F.booleanNode(b.value());
      case Value.Int i -> F.numberNode(i.value());
      case Value.Double d -> F.numberNode(d.value());
      case Value.Str s -> F.textNode(s.value());
      case Value.Array a -> {
        ArrayNode arr = F.arrayNode(a.values().size());
        a.values().forEach(x -> arr.add(json(x)));
        yield arr;
      }
      case Value.Struct s -> {
        ObjectNode o = F.objectNode();
        s.fields().forEach((k, x) -> o.set(k, json(x)));
        yield o;
      }
    };
  }

  static JsonNode pointId(PointId id) {
    return switch (id) {
      case PointId.Num n ->
          n.value() >= 0
              ? F.numberNode(n.value())
              : F.numberNode(new BigInteger(Long.toUnsignedString(n.value())));
      case PointId.Uuid u -> F.textNode(u.value().toString());
    };
  }

  static JsonNode shardKey(ShardKey key) {
    return switch (key) {
      case ShardKey.Number n -> F.numberNode(n.value());
      case ShardKey.Keyword k -> F.textNode(k.value());
    };
  }

  /** A {@code ShardKey}: a string or an unsigned integer. */
  static ShardKey shardKey(JsonNode n, String path) {
    if (n != null && n.isTextual()) {
      return new ShardKey.Keyword(n.asText());
    }
    if (n != null && n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0) {
      return new ShardKey.Number(n.asLong());
    }
    throw new RequestException.Malformed(
        "Json deserialize error: data did not match any variant of untagged enum ShardKey at "
            + path);
  }

  /**
   * The request's {@code shard_key} ({@code ShardKeySelector}): a key, a list of keys, or {@code
   * {"target": key, "fallback": key}}; absent or null addresses every shard.
   */
  static ShardSelector shardSelector(JsonNode body) {
    JsonNode n = body == null ? null : body.get("shard_key");
    if (n == null || n.isNull()) {
      return ShardSelector.ALL;
    }
    if (n.isArray()) {
      List<ShardKey> keys = new ArrayList<>();
      for (int i = 0; i < n.size(); i++) {
        keys.add(shardKey(n.get(i), "shard_key[" + i + "]"));
      }
      return new ShardSelector(keys, null);
    }
    if (n.isObject()) {
      return new ShardSelector(
          List.of(shardKey(n.get("target"), "shard_key.target")),
          shardKey(n.get("fallback"), "shard_key.fallback"));
    }
    return ShardSelector.of(shardKey(n, "shard_key"));
  }
}
