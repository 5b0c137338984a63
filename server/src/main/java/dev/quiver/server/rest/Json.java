package dev.quiver.server.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonParser.NumberType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.request.RequestException;
import java.io.IOException;
import java.util.Arrays;
import java.util.BitSet;

/** The one JSON mapper of the REST edge and its parse/serialise helpers. Thread-safe. */
final class Json {
  /**
   * Vectors arrive as thousands of decimal numbers per request: Jackson's bundled fast double
   * parser (FastDoubleParser) replaces the JDK's, which the profile of batch upserts showed as the
   * largest cost of the REST edge.
   */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .build();

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(128).build());
  }

  private Json() {}

  static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      return MAPPER.createObjectNode();
    }
    try (JsonParser p = MAPPER.createParser(body)) {
      if (p.nextToken() == null) {
        return MAPPER.createObjectNode(); // only whitespace
      }
      JsonNode node = tree(p);
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw new RequestException.Malformed(
            "Format error in JSON body: Trailing token (of type "
                + trailing
                + ") found after value at line "
                + p.currentLocation().getLineNr()
                + " column "
                + p.currentLocation().getColumnNr());
      }
      return node;
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new RequestException.Malformed(
          "Format error in JSON body: "
              + e.getOriginalMessage()
              + (loc == null
                  ? ""
                  : " at line " + loc.getLineNr() + " column " + loc.getColumnNr()));
    } catch (IOException e) {
      throw new RequestException.Malformed("Format error in JSON body: " + e.getMessage());
    }
  }

  /**
   * The value at the parser's current token, as Jackson's tree would hold it — except that an array
   * of numbers (integers in {@code int} range and decimals) is held as primitives ({@link
   * NumberArray}): vectors arrive as tens of thousands of numbers a request, and a node per number
   * was most of the tree. Depth is bounded by the parser's nesting limit.
   */
  private static JsonNode tree(JsonParser p) throws IOException {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    return switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode o = nodes.objectNode();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
          p.nextToken();
          o.set(name, tree(p));
        }
        yield o;
      }
      case START_ARRAY -> array(p);
      case VALUE_STRING -> nodes.textNode(p.getText());
      case VALUE_NUMBER_INT ->
          switch (p.getNumberType()) {
            case INT -> nodes.numberNode(p.getIntValue());
            case LONG -> nodes.numberNode(p.getLongValue());
            default -> nodes.numberNode(p.getBigIntegerValue());
          };
      case VALUE_NUMBER_FLOAT -> nodes.numberNode(p.getDoubleValue());
      case VALUE_TRUE -> nodes.booleanNode(true);
      case VALUE_FALSE -> nodes.booleanNode(false);
      case VALUE_NULL -> nodes.nullNode();
      default ->
          throw new RequestException.Malformed(
              "Format error in JSON body: unexpected token " + p.currentToken());
    };
  }

  /** An array: numbers into a primitive array while they last, nodes from the first other value. */
  private static JsonNode array(JsonParser p) throws IOException {
    double[] values = new double[16];
    BitSet ints = new BitSet();
    int n = 0;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      double v;
      if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        v = p.getDoubleValue();
      } else if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == NumberType.INT) {
        v = p.getIntValue();
        ints.set(n);
      } else {
        ArrayNode a = JsonNodeFactory.instance.arrayNode(n + 1);
        for (int i = 0; i < n; i++) {
          a.add(
              ints.get(i)
                  ? JsonNodeFactory.instance.numberNode((int) values[i])
                  : JsonNodeFactory.instance.numberNode(values[i]));
        }
        a.add(tree(p));
        while (p.nextToken() != JsonToken.END_ARRAY) {
          a.add(tree(p));
        }
        return a;
      }
      if (n == values.length) {
        values = Arrays.copyOf(values, n * 2);
      }
      values[n++] = v;
    }
    return n == 0 ? JsonNodeFactory.instance.arrayNode() : NumberArray.of(values, n, ints);
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }
}
