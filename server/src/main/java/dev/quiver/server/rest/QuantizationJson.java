package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.request.ImplementedFields;
import dev.quiver.server.request.QuantizationSettings;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationParams;
import dev.quiver.storage.SparseVectorParams;
import java.util.Locale;
import java.util.Set;

/**
 * {@code quantization_config} and a search's {@code params.quantization} in REST's JSON: parsed and
 * checked into the engine's {@link Quantization} and {@link QuantizationParams}, and shown back
 * with the fields that were set, as Qdrant shows them. The gRPC edge's counterpart is {@code
 * QuantizationProto}. Stateless (static methods only), so thread-safe.
 */
final class QuantizationJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private QuantizationJson() {}

  /**
   * A {@code quantization_config} ({@code QuantizationConfig}, or with {@code allowDisabled} a
   * {@code QuantizationConfigDiff}), checked: kinds Quiver does not serve are refused by name. Null
   * when absent.
   */
  static Quantization config(JsonNode n, String path, boolean allowDisabled) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual() && allowDisabled && n.asText().equals("Disabled")) {
      return new Quantization.Disabled();
    }
    ObjectNode o = object(n, path);
    if (o.size() != 1) {
      throw new RequestException.Malformed(
          "Format error in JSON body: data did not match any variant of untagged enum"
              + " QuantizationConfig at `"
              + path
              + "`");
    }
    var e = o.properties().iterator().next();
    String kind = e.getKey();
    String at = path + "." + kind;
    ObjectNode c = object(e.getValue(), at);
    Quantization q =
        switch (kind) {
          case "scalar" -> {
            onlyImplemented(c, at, Set.of("type", "quantile", "always_ram", "memory"));
            String type = text(required(c, "type", at), at + ".type");
            if (!type.equals("int8")) {
              throw new RequestException.Malformed(
                  "Format error in JSON body: unknown variant `"
                      + type
                      + "`, expected `int8` at `"
                      + at
                      + ".type`");
            }
            Float quantile = optFloat(c, "quantile");
            if (quantile != null && !(quantile >= 0.5f && quantile <= 1f)) {
              throw new RequestException.Invalid(
                  BODY,
                  at + ".quantile",
                  "value " + quantile + " invalid, must be from 0.5 to 1.0");
            }
            yield new Quantization.Scalar(quantile, optBool(c, "always_ram"), memory(c, at));
          }
          case "binary" -> {
            onlyImplemented(c, at, Set.of("always_ram", "memory", "encoding", "query_encoding"));
            String encoding = optText(c, "encoding", at + ".encoding");
            Quantization.BinaryEncoding enc = null;
            if (encoding != null) {
              enc = Quantization.BinaryEncoding.ofWireName(encoding);
              if (enc == null) {
                throw unknownVariant(
                    encoding, "`one_bit`, `two_bits`, `one_and_half_bits`", at + ".encoding");
              }
            }
            String query = optText(c, "query_encoding", at + ".query_encoding");
            Quantization.BinaryQueryEncoding qe = null;
            if (query != null) {
              qe = Quantization.BinaryQueryEncoding.ofWireName(query);
              if (qe == null) {
                throw unknownVariant(
                    query,
                    "`default`, `binary`, `scalar4bits`, `scalar8bits`",
                    at + ".query_encoding");
              }
            }
            yield new Quantization.Binary(enc, qe, optBool(c, "always_ram"), memory(c, at));
          }
          case "product" -> {
            onlyImplemented(c, at, Set.of("compression", "always_ram", "memory"));
            String ratio = text(required(c, "compression", at), at + ".compression");
            if (!Set.of("x4", "x8", "x16", "x32", "x64").contains(ratio)) {
              throw unknownVariant(ratio, "`x4`, `x8`, `x16`, `x32`, `x64`", at + ".compression");
            }
            yield new Quantization.Product(ratio, optBool(c, "always_ram"), memory(c, at));
          }
          case "turbo" -> {
            onlyImplemented(c, at, Set.of("bits", "always_ram", "memory"));
            String bits = optText(c, "bits", at + ".bits");
            if (bits != null && !Set.of("bits1", "bits1_5", "bits2", "bits4").contains(bits)) {
              throw unknownVariant(bits, "`bits1`, `bits1_5`, `bits2`, `bits4`", at + ".bits");
            }
            yield new Quantization.Turbo(bits, optBool(c, "always_ram"), memory(c, at));
          }
          default ->
              throw new RequestException.Malformed(
                  "Format error in JSON body: data did not match any variant of untagged enum"
                      + " QuantizationConfig at `"
                      + path
                      + "`");
        };
    return q;
  }

  private static SparseVectorParams.Memory memory(ObjectNode c, String at) {
    String m = optText(c, "memory", at + ".memory");
    if (m == null) {
      return null;
    }
    return switch (m) {
      case "cold" -> SparseVectorParams.Memory.COLD;
      case "cached" -> SparseVectorParams.Memory.CACHED;
      case "pinned" -> SparseVectorParams.Memory.PINNED;
      default -> throw unknownVariant(m, "`cold`, `cached`, `pinned`", at + ".memory");
    };
  }

  private static RequestException.Malformed unknownVariant(
      String given, String expected, String path) {
    return new RequestException.Malformed(
        "Format error in JSON body: unknown variant `"
            + given
            + "`, expected one of "
            + expected
            + " at `"
            + path
            + "`");
  }

  /** A {@code quantization_config} as Qdrant shows it: the fields that were set. */
  static ObjectNode json(Quantization q) {
    ObjectNode o = F.objectNode();
    ObjectNode c = o.putObject(q.kind());
    switch (q) {
      case Quantization.Scalar s -> {
        c.put("type", "int8");
        if (s.quantile() != null) {
          c.put("quantile", s.quantile());
        }
      }
      case Quantization.Binary b -> {
        if (b.encoding() != null) {
          c.put("encoding", b.encoding().wireName());
        }
        if (b.queryEncoding() != null) {
          c.put("query_encoding", b.queryEncoding().wireName());
        }
      }
      case Quantization.Product p -> c.put("compression", p.compression());
      case Quantization.Turbo t -> {
        if (t.bits() != null) {
          c.put("bits", t.bits());
        }
      }
      case Quantization.Disabled _ -> throw new IllegalArgumentException("Disabled");
    }
    if (q.alwaysRam() != null) {
      c.put("always_ram", q.alwaysRam());
    }
    if (q.memory() != null) {
      c.put("memory", q.memory().name().toLowerCase(Locale.ROOT));
    }
    return o;
  }

  /** {@code params.quantization}, or null when not given. */
  static QuantizationParams params(ObjectNode o) {
    JsonNode p = o.get("params");
    if (p == null || p.isNull() || !p.hasNonNull("quantization")) {
      return null;
    }
    ObjectNode q = object(p.get("quantization"), "params.quantization");
    onlyImplemented(q, "params.quantization", ImplementedFields.QUANTIZATION_PARAMS);
    Boolean ignore = optBool(q, "ignore");
    Double oversampling = null;
    if (q.hasNonNull("oversampling")) {
      JsonNode n = q.get("oversampling");
      if (!n.isNumber()) {
        throw malformed(n, "a number", "params.quantization.oversampling");
      }
      oversampling = n.doubleValue();
    }
    return QuantizationSettings.params(
        ignore != null && ignore, optBool(q, "rescore"), oversampling, "params.quantization");
  }
}
