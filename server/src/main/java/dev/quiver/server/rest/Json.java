package dev.quiver.server.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quiver.server.request.RequestException;
import java.io.IOException;

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
    try {
      JsonNode node = MAPPER.readTree(body);
      return node == null ? MAPPER.createObjectNode() : node;
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

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }
}
