package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.request.RequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The small argument readers every JSON decoder uses: typed fields with Qdrant's error texts. */
final class JsonArgs {
  static final String BODY = "JSON body";

  private JsonArgs() {}

  static ObjectNode object(JsonNode n, String path) {
    if (n instanceof ObjectNode o) {
      return o;
    }
    throw malformed(n, "a map", path);
  }

  static ArrayNode array(JsonNode n, String path) {
    if (n instanceof ArrayNode a) {
      return a;
    }
    throw malformed(n, "a sequence", path);
  }

  static JsonNode required(JsonNode o, String field, String path) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      throw new RequestException.Malformed(
          "Format error in JSON body: missing field `"
              + field
              + "`"
              + (path.isEmpty() ? "" : " at `" + path + "`"));
    }
    return n;
  }

  static String text(JsonNode n, String path) {
    if (!n.isTextual()) {
      throw malformed(n, "a string", path);
    }
    return n.asText();
  }

  static List<String> strings(JsonNode n, String path) {
    ArrayNode arr = array(n, path);
    List<String> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      out.add(text(arr.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  /**
   * Refuses every field of {@code o} that is set (not null) and not in {@code implemented}: a
   * setting Quiver does not implement is named in a 400, never accepted and dropped. Explicit nulls
   * are accepted, as clients send them for unset options.
   */
  static void onlyImplemented(ObjectNode o, String path, Set<String> implemented) {
    for (var e : o.properties()) {
      if (!e.getValue().isNull() && !implemented.contains(e.getKey())) {
        throw new RequestException.Unsupported(
            "Bad request: `"
                + (path.isEmpty() ? e.getKey() : path + "." + e.getKey())
                + "` is not supported by Quiver; remove it from the request");
      }
    }
  }

  static Integer optInt(ObjectNode o, String field, int min, int max) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    long v = u64(n, field);
    if (v < min || v > max) {
      throw new RequestException.Invalid(
          BODY, field, "value " + v + " invalid, must be from " + min + " to " + max);
    }
    return (int) v;
  }

  static Boolean optBool(ObjectNode o, String field) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isBoolean()) {
      throw malformed(n, "a boolean", field);
    }
    return n.asBoolean();
  }

  static Float optFloat(ObjectNode o, String field) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isNumber()) {
      throw malformed(n, "f32", field);
    }
    return n.floatValue();
  }

  static RequestException.Malformed malformed(JsonNode n, String expected, String path) {
    String got =
        switch (n.getNodeType()) {
          case STRING -> "string \"" + n.asText() + "\"";
          case NUMBER ->
              (n.isIntegralNumber() ? "integer `" : "floating point `") + n.asText() + "`";
          case BOOLEAN -> "boolean `" + n.asText() + "`";
          case ARRAY -> "sequence";
          case OBJECT -> "map";
          default -> "null";
        };
    return new RequestException.Malformed(
        "Format error in JSON body: invalid type: "
            + got
            + ", expected "
            + expected
            + (path.isEmpty() ? "" : " at `" + path + "`"));
  }

  static long u64(JsonNode n, String path) {
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
      throw malformed(n, "u64", path);
    }
    return n.asLong();
  }

  /** A text field, or null when absent or null; another type is malformed. */
  static String optText(ObjectNode o, String field, String path) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw malformed(n, "a string", path);
    }
    return n.asText();
  }
}
