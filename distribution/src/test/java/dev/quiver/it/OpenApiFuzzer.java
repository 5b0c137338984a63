package dev.quiver.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hostile requests for every operation of the OpenAPI document the tests carry: a body built from
 * the operation's schema, then broken in one of many ways (wrong types, huge numbers, long arrays
 * and strings, deep nesting, malformed JSON, bad encodings), with path and query parameters that
 * are sometimes garbage. Deterministic for a seed. Not thread-safe.
 */
final class OpenApiFuzzer {
  /** One operation of the document. */
  record Operation(String method, String path, String id, JsonNode spec) {}

  /** One request to send: method, path with query, headers, body bytes. */
  record Request(String method, String target, List<String> headers, byte[] body, String label) {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final JsonNode doc;
  private final List<Operation> operations = new ArrayList<>();
  private final SplittableRandom rnd;

  OpenApiFuzzer(long seed) throws Exception {
    try (InputStream in = OpenApiFuzzer.class.getResourceAsStream("/openapi/openapi.json")) {
      doc = new ObjectMapper().readTree(in);
    }
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
        paths.hasNext(); ) {
      var p = paths.next();
      for (Iterator<Map.Entry<String, JsonNode>> ms = p.getValue().fields(); ms.hasNext(); ) {
        var m = ms.next();
        if (List.of("get", "post", "put", "patch", "delete").contains(m.getKey())) {
          operations.add(
              new Operation(
                  m.getKey().toUpperCase(),
                  p.getKey(),
                  m.getValue().path("operationId").asText(),
                  m.getValue()));
        }
      }
    }
    rnd = new SplittableRandom(seed);
  }

  List<Operation> operations() {
    return operations;
  }

  /** A hostile request for {@code op}; {@code collection} fills {@code {collection_name}}. */
  Request request(Operation op, String collection) {
    String path = op.path();
    for (JsonNode prm : op.spec().path("parameters")) {
      if (prm.path("in").asText().equals("path")) {
        String name = prm.path("name").asText();
        String value =
            name.equals("collection_name") && rnd.nextInt(6) != 0 ? collection : pathValue();
        path = path.replace("{" + name + "}", value);
      }
    }
    StringBuilder query = new StringBuilder();
    for (JsonNode prm : op.spec().path("parameters")) {
      if (prm.path("in").asText().equals("query") && rnd.nextInt(3) == 0) {
        query.append(query.isEmpty() ? "?" : "&").append(prm.path("name").asText()).append('=');
        query.append(queryValue());
      }
    }
    if (rnd.nextInt(25) == 0) {
      query.append(query.isEmpty() ? "?" : "&").append(rnd.nextBoolean() ? "%" : "wait=%zz");
    }
    List<String> headers = new ArrayList<>();
    byte[] body = new byte[0];
    String label = "schema";
    JsonNode schema =
        op.spec().path("requestBody").path("content").path("application/json").path("schema");
    boolean multipart = op.spec().path("requestBody").path("content").has("multipart/form-data");
    if (multipart) {
      headers.add("content-type: multipart/form-data; boundary=" + (rnd.nextBoolean() ? "x" : ""));
      body = garbage(rnd.nextInt(4096));
      label = "multipart garbage";
    } else if (!schema.isMissingNode() || rnd.nextInt(4) == 0) {
      JsonNode value = schema.isMissingNode() ? F.objectNode() : generate(schema, 0);
      int how = rnd.nextInt(12);
      label = "mutation " + how;
      body =
          switch (how) {
            case 0 -> bytes(value); // as the schema says, with random values
            case 1 -> truncated(bytes(value));
            case 2 -> garbage(1 + rnd.nextInt(512));
            case 3 -> invalidUtf8(bytes(value));
            case 4 -> bytes(deep(rnd.nextInt(2) == 0 ? 127 : 400));
            default -> bytes(mutate(value));
          };
      headers.add(
          switch (rnd.nextInt(10)) {
            case 0 -> "content-type: text/plain";
            case 1 -> "content-type: application/json; charset=latin1";
            default -> "content-type: application/json";
          });
      if (rnd.nextInt(20) == 0) {
        headers.add("content-encoding: " + (rnd.nextBoolean() ? "gzip" : "deflate"));
        label += " + bad content-encoding";
      }
    }
    if (rnd.nextInt(20) == 0) {
      headers.add("x-odd-" + rnd.nextInt(1000) + ": " + "v".repeat(rnd.nextInt(8000)));
    }
    return new Request(op.method(), path + query, headers, body, op.id() + " " + label);
  }

  // ---- values ----

  private String pathValue() {
    return switch (rnd.nextInt(9)) {
      case 0 -> "0";
      case 1 -> "18446744073709551616";
      case 2 -> "-1";
      case 3 -> "..";
      case 4 -> "%2e%2e%2fetc";
      case 5 -> "a".repeat(1 + rnd.nextInt(3000));
      case 6 -> "%zz";
      case 7 -> "%E2%28%A1";
      default -> "n" + rnd.nextInt(100);
    };
  }

  private String queryValue() {
    return switch (rnd.nextInt(8)) {
      case 0 -> "true";
      case 1 -> "1";
      case 2 -> "-5";
      case 3 -> "99999999999999999999999";
      case 4 -> "majority";
      case 5 -> "%00";
      case 6 -> "x".repeat(rnd.nextInt(2000));
      default -> "";
    };
  }

  private JsonNode hostile() {
    return switch (rnd.nextInt(14)) {
      case 0 -> F.numberNode(Long.MAX_VALUE);
      case 1 -> F.numberNode(new java.math.BigInteger("18446744073709551616"));
      case 2 -> F.numberNode(-1);
      case 3 -> F.numberNode(1e308);
      case 4 -> F.numberNode(4294967295L);
      case 5 -> F.textNode("s".repeat(rnd.nextInt(200_000)));
      case 6 -> F.nullNode();
      case 7 -> F.booleanNode(true);
      case 8 -> F.textNode("\u0000\uFFFF\uD800");
      case 9 -> longArray();
      case 10 -> F.objectNode().put("key", "x");
      case 11 -> deep(50 + rnd.nextInt(70));
      case 12 -> F.numberNode(2147483647);
      default -> F.arrayNode();
    };
  }

  private ArrayNode longArray() {
    ArrayNode a = F.arrayNode();
    int n = rnd.nextInt(200_000);
    boolean numbers = rnd.nextBoolean();
    for (int i = 0; i < n; i++) {
      if (numbers) {
        a.add(rnd.nextInt());
      } else {
        a.add(F.objectNode().put("key", "k" + i).set("match", F.objectNode().put("value", i)));
      }
    }
    return a;
  }

  private static JsonNode deep(int levels) {
    JsonNode n = F.objectNode().put("limit", 1);
    for (int i = 0; i < levels; i++) {
      ObjectNode up = F.objectNode();
      up.set(i % 2 == 0 ? "prefetch" : "filter", n);
      n = up;
    }
    return n;
  }

  /** Replaces one random node of {@code value} (or the whole) with a hostile value. */
  private JsonNode mutate(JsonNode value) {
    if (!value.isContainerNode() || value.isEmpty() || rnd.nextInt(5) == 0) {
      return hostile();
    }
    JsonNode copy = value.deepCopy();
    JsonNode node = copy;
    for (int depth = 0; depth < 8; depth++) {
      List<String> keys = new ArrayList<>();
      node.fieldNames().forEachRemaining(keys::add);
      int size = node.isArray() ? node.size() : keys.size();
      if (size == 0) {
        break;
      }
      int i = rnd.nextInt(size);
      JsonNode child = node.isArray() ? node.get(i) : node.get(keys.get(i));
      if (!child.isContainerNode() || child.isEmpty() || rnd.nextInt(3) == 0) {
        if (node.isArray()) {
          ((ArrayNode) node).set(i, hostile());
        } else {
          ((ObjectNode) node).set(keys.get(i), hostile());
        }
        return copy;
      }
      node = child;
    }
    return copy;
  }

  /** A value that follows {@code schema}, with random choices. */
  JsonNode generate(JsonNode schema, int depth) {
    if (schema.has("$ref")) {
      String ref = schema.get("$ref").asText();
      return generate(doc.at(ref.substring(1)), depth + 1);
    }
    if (depth > 12) {
      return F.nullNode();
    }
    for (String choice : List.of("anyOf", "oneOf")) {
      if (schema.has(choice)) {
        JsonNode options = schema.get(choice);
        return generate(options.get(rnd.nextInt(options.size())), depth + 1);
      }
    }
    if (schema.has("allOf")) {
      return generate(schema.get("allOf").get(0), depth + 1);
    }
    if (schema.has("enum")) {
      JsonNode e = schema.get("enum");
      return e.get(rnd.nextInt(e.size()));
    }
    if (schema.path("nullable").asBoolean() && rnd.nextInt(4) == 0) {
      return F.nullNode();
    }
    return switch (schema.path("type").asText("object")) {
      case "integer" -> F.numberNode(rnd.nextInt(4) == 0 ? rnd.nextLong() : rnd.nextInt(100));
      case "number" -> F.numberNode(rnd.nextDouble() * 10);
      case "boolean" -> F.booleanNode(rnd.nextBoolean());
      case "string" ->
          F.textNode(schema.has("format") ? "2024-01-01T00:00:00Z" : "s" + rnd.nextInt(50));
      case "array" -> {
        ArrayNode a = F.arrayNode();
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
          a.add(generate(schema.path("items"), depth + 1));
        }
        yield a;
      }
      default -> {
        ObjectNode o = F.objectNode();
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
            it.hasNext(); ) {
          var p = it.next();
          if (required.contains(p.getKey()) || rnd.nextInt(3) == 0) {
            o.set(p.getKey(), generate(p.getValue(), depth + 1));
          }
        }
        yield o;
      }
    };
  }

  // ---- bytes ----

  private static byte[] bytes(JsonNode n) {
    return n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private byte[] truncated(byte[] b) {
    return java.util.Arrays.copyOf(b, b.length == 0 ? 0 : rnd.nextInt(b.length));
  }

  private byte[] garbage(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) rnd.nextInt(256);
    }
    return b;
  }

  private byte[] invalidUtf8(byte[] b) {
    byte[] out = java.util.Arrays.copyOf(b, b.length + 2);
    int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
    System.arraycopy(b, at, out, at + 2, b.length - at);
    out[at] = (byte) 0xC3;
    out[at + 1] = (byte) 0x28;
    return out;
  }
}
