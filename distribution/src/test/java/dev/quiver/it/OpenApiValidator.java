package dev.quiver.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Validates JSON documents against the schemas of Qdrant's OpenAPI 3.0 description: {@code $ref},
 * {@code type}, {@code nullable}, {@code properties}/{@code required}/{@code additionalProperties},
 * {@code items}, {@code enum}, {@code anyOf}/{@code oneOf}/{@code allOf}, and unsigned integer
 * formats and minimums. A schema that only says {@code nullable: true} (Qdrant's way to write "or
 * null" inside {@code anyOf}) matches null alone, so an {@code anyOf} with it still checks the
 * other branch.
 */
final class OpenApiValidator {
  private final JsonNode spec;

  OpenApiValidator() throws IOException {
    try (InputStream in = OpenApiValidator.class.getResourceAsStream("/openapi/openapi.json")) {
      spec = new ObjectMapper().readTree(in);
    }
  }

  /** The schema of {@code status}'s JSON answer of an operation ({@code 4XX} for errors). */
  JsonNode responseSchema(String pathTemplate, String method, int status) {
    JsonNode responses =
        spec.path("paths").path(pathTemplate).path(method.toLowerCase()).path("responses");
    if (responses.isMissingNode()) {
      throw new IllegalArgumentException(
          "no operation " + method + " " + pathTemplate + " in openapi.json");
    }
    JsonNode r = responses.path(String.valueOf(status));
    if (r.isMissingNode() && status >= 400 && status < 500) {
      r = responses.path("4XX");
    }
    if (r.isMissingNode()) {
      r = responses.path("default");
    }
    JsonNode schema = r.path("content").path("application/json").path("schema");
    if (schema.isMissingNode()) {
      throw new IllegalArgumentException(
          "no JSON schema for " + status + " of " + method + " " + pathTemplate);
    }
    return schema;
  }

  JsonNode component(String name) {
    JsonNode s = spec.path("components").path("schemas").path(name);
    if (s.isMissingNode()) {
      throw new IllegalArgumentException("no schema " + name);
    }
    return s;
  }

  /** Problems of {@code doc} against {@code schema}; empty when valid. */
  List<String> validate(JsonNode schema, JsonNode doc) {
    List<String> errors = new ArrayList<>();
    check(schema, doc, "$", errors);
    return errors;
  }

  private void check(JsonNode schema, JsonNode doc, String at, List<String> errors) {
    if (schema.has("$ref")) {
      String ref = schema.get("$ref").asText();
      check(spec.at(ref.substring(1)), doc, at, errors);
      return;
    }
    boolean nullable = schema.path("nullable").asBoolean(false);
    boolean constrained = false;
    for (String k : List.of("type", "anyOf", "oneOf", "allOf", "enum", "properties", "items")) {
      constrained |= schema.has(k);
    }
    if (doc.isNull() && (nullable || !constrained)) {
      return;
    }
    if (!doc.isNull() && nullable && !constrained) {
      errors.add(at + ": expected null");
      return;
    }
    if (schema.has("allOf")) {
      for (JsonNode s : schema.get("allOf")) {
        check(s, doc, at, errors);
      }
    }
    if (schema.has("anyOf")) {
      List<List<String>> tries = new ArrayList<>();
      boolean ok = false;
      for (JsonNode s : schema.get("anyOf")) {
        List<String> e = new ArrayList<>();
        check(s, doc, at, e);
        if (e.isEmpty()) {
          ok = true;
          break;
        }
        tries.add(e);
      }
      if (!ok) {
        errors.add(at + ": matches no anyOf branch: " + tries);
      }
    }
    if (schema.has("oneOf")) {
      int matches = 0;
      List<List<String>> tries = new ArrayList<>();
      for (JsonNode s : schema.get("oneOf")) {
        List<String> e = new ArrayList<>();
        check(s, doc, at, e);
        if (e.isEmpty()) {
          matches++;
        } else {
          tries.add(e);
        }
      }
      if (matches != 1) {
        errors.add(at + ": matches " + matches + " oneOf branches: " + tries);
      }
    }
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode e : schema.get("enum")) {
        found |= e.equals(doc);
      }
      if (!found) {
        errors.add(at + ": " + doc + " not in " + schema.get("enum"));
      }
    }
    if (schema.has("type")) {
      checkType(schema, doc, at, errors);
    }
  }

  private void checkType(JsonNode schema, JsonNode doc, String at, List<String> errors) {
    String type = schema.get("type").asText();
    switch (type) {
      case "object" -> {
        if (!doc.isObject()) {
          errors.add(at + ": expected object, got " + doc.getNodeType());
          return;
        }
        JsonNode props = schema.path("properties");
        for (JsonNode req : schema.path("required")) {
          if (!doc.has(req.asText())) {
            errors.add(at + ": missing required property " + req.asText());
          }
        }
        Iterator<Map.Entry<String, JsonNode>> fields = doc.fields();
        while (fields.hasNext()) {
          var f = fields.next();
          JsonNode ps = props.get(f.getKey());
          if (ps != null) {
            check(ps, f.getValue(), at + "." + f.getKey(), errors);
          } else {
            JsonNode ap = schema.get("additionalProperties");
            if (ap != null && ap.isBoolean() && !ap.asBoolean()) {
              errors.add(at + ": unexpected property " + f.getKey());
            } else if (ap != null && ap.isObject()) {
              check(ap, f.getValue(), at + "." + f.getKey(), errors);
            }
          }
        }
      }
      case "array" -> {
        if (!doc.isArray()) {
          errors.add(at + ": expected array, got " + doc.getNodeType());
          return;
        }
        JsonNode items = schema.get("items");
        for (int i = 0; items != null && i < doc.size(); i++) {
          check(items, doc.get(i), at + "[" + i + "]", errors);
        }
      }
      case "string" -> {
        if (!doc.isTextual()) {
          errors.add(at + ": expected string, got " + doc.getNodeType());
        } else if (schema.path("format").asText().equals("uuid")) {
          try {
            java.util.UUID.fromString(doc.asText());
          } catch (IllegalArgumentException e) {
            errors.add(at + ": not a uuid");
          }
        }
      }
      case "integer" -> {
        if (!doc.isIntegralNumber()) {
          errors.add(at + ": expected integer, got " + doc);
        } else {
          checkRange(schema, doc, at, errors);
        }
      }
      case "number" -> {
        if (!doc.isNumber()) {
          errors.add(at + ": expected number, got " + doc);
        } else {
          checkRange(schema, doc, at, errors);
        }
      }
      case "boolean" -> {
        if (!doc.isBoolean()) {
          errors.add(at + ": expected boolean, got " + doc);
        }
      }
      default -> errors.add(at + ": unknown schema type " + type);
    }
  }

  private static void checkRange(JsonNode schema, JsonNode doc, String at, List<String> errors) {
    double v = doc.asDouble();
    if (schema.has("minimum") && v < schema.get("minimum").asDouble()) {
      errors.add(at + ": " + doc + " below minimum " + schema.get("minimum"));
    }
    if (schema.has("maximum") && v > schema.get("maximum").asDouble()) {
      errors.add(at + ": " + doc + " above maximum " + schema.get("maximum"));
    }
    if (schema.path("format").asText().startsWith("uint") && v < 0) {
      errors.add(at + ": negative value for " + schema.get("format"));
    }
  }
}
