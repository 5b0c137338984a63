package dev.quiver.server.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import io.qdrant.client.grpc.Common;
import io.qdrant.client.grpc.JsonWithInt;
import io.qdrant.client.grpc.Points;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Qdrant's gRPC messages as the JSON its REST API gives for the same thing, so that a migration
 * reads a gRPC source exactly as it reads a REST one. Most messages carry the REST names and shapes
 * already, and are walked field by field: a field with presence appears when set, one without
 * presence always, deprecated fields never (their successors are read instead); enums become
 * Qdrant's REST spellings ({@code MaxSim} → {@code max_sim}, {@code Int8} → {@code int8}; a
 * distance keeps its capitals). The messages whose REST shape differs are converted by hand: the
 * wrappers around maps ({@code VectorsConfig}, {@code SparseVectorConfig}, strict mode's sparse and
 * multivector limits), the one-of wrappers ({@code MaxOptimizationThreads}, the binary query
 * encoding, the stemmer, payload index parameters, point ids, shard keys), payload values, and
 * vectors. Stateless, so thread-safe.
 */
final class ProtoJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** REST names of the gRPC fields named differently (message name . field name). */
  private static final Map<String, String> RENAMED =
      Map.of(
          "qdrant.CollectionParams.vectors_config", "vectors",
          "qdrant.CollectionParams.sparse_vectors_config", "sparse_vectors",
          "qdrant.QuantizationConfig.turboquant", "turbo");

  private ProtoJson() {}

  /** Any message of Qdrant's collections API, as REST shows it. */
  static JsonNode json(Message m) {
    return switch (m.getDescriptorForType().getFullName()) {
      case "qdrant.VectorsConfig" -> vectorsConfig(m);
      case "qdrant.VectorParamsMap",
          "qdrant.SparseVectorConfig",
          "qdrant.StrictModeSparseConfig",
          "qdrant.StrictModeMultivectorConfig" ->
          onlyField(m);
      case "qdrant.MaxOptimizationThreads",
          "qdrant.BinaryQuantizationQueryEncoding",
          "qdrant.ShardKey",
          "qdrant.PointId" ->
          oneOfValue(m);
      case "qdrant.StemmingAlgorithm" -> stemmer(m);
      case "qdrant.PayloadIndexParams" -> payloadIndexParams(m);
      case "qdrant.Value" -> value((JsonWithInt.Value) m);
      case "qdrant.Struct" -> struct(((JsonWithInt.Struct) m).getFieldsMap());
      default -> fields(m);
    };
  }

  /** A payload (or metadata) object. */
  static ObjectNode struct(Map<String, JsonWithInt.Value> fields) {
    ObjectNode o = F.objectNode();
    fields.forEach((k, v) -> o.set(k, value(v)));
    return o;
  }

  /** A point id: a number or a UUID string. */
  static JsonNode id(Common.PointId id) {
    return id.hasUuid() ? F.textNode(id.getUuid()) : F.numberNode(id.getNum());
  }

  /** A point id from its REST form (a number or a UUID string). */
  static Common.PointId pointId(JsonNode id) {
    return id.isTextual()
        ? Common.PointId.newBuilder().setUuid(id.asText()).build()
        : Common.PointId.newBuilder().setNum(id.asLong()).build();
  }

  /** A point as {@code POST /points/scroll} or {@code POST /points} shows it. */
  static ObjectNode point(Points.RetrievedPoint p) {
    ObjectNode o = F.objectNode();
    o.set("id", id(p.getId()));
    o.set("payload", struct(p.getPayloadMap()));
    if (p.hasVectors()) {
      Points.VectorsOutput v = p.getVectors();
      if (v.hasVector()) {
        o.set("vector", vector(v.getVector()));
      } else {
        ObjectNode named = o.putObject("vector");
        v.getVectors().getVectorsMap().forEach((k, one) -> named.set(k, vector(one)));
      }
    }
    if (p.hasShardKey()) {
      o.set("shard_key", oneOfValue(p.getShardKey()));
    }
    return o;
  }

  /**
   * One vector: dense (a list of numbers), sparse ({@code indices}, {@code values}) or a
   * multivector (a list of lists), read from the typed field and, from servers older than it, the
   * deprecated flat one.
   */
  @SuppressWarnings("deprecation") // older servers fill only the deprecated fields
  static JsonNode vector(Points.VectorOutput v) {
    if (v.hasDense()) {
      return floats(v.getDense().getDataList());
    }
    if (v.hasSparse()) {
      return sparse(v.getSparse().getIndicesList(), v.getSparse().getValuesList());
    }
    if (v.hasMultiDense()) {
      ArrayNode rows = F.arrayNode();
      v.getMultiDense().getVectorsList().forEach(r -> rows.add(floats(r.getDataList())));
      return rows;
    }
    if (v.hasIndices()) {
      return sparse(v.getIndices().getDataList(), v.getDataList());
    }
    if (v.hasVectorsCount() && v.getVectorsCount() > 0) {
      int count = v.getVectorsCount();
      int width = v.getDataCount() / count;
      ArrayNode rows = F.arrayNode();
      for (int r = 0; r < count; r++) {
        rows.add(floats(v.getDataList().subList(r * width, (r + 1) * width)));
      }
      return rows;
    }
    return floats(v.getDataList());
  }

  private static ObjectNode sparse(List<Integer> indices, List<Float> values) {
    ObjectNode o = F.objectNode();
    ArrayNode i = o.putArray("indices");
    indices.forEach(x -> i.add(Integer.toUnsignedLong(x)));
    o.set("values", floats(values));
    return o;
  }

  private static ArrayNode floats(List<Float> data) {
    ArrayNode a = F.arrayNode();
    data.forEach(a::add);
    return a;
  }

  private static JsonNode value(JsonWithInt.Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> F.nullNode();
      case DOUBLE_VALUE -> F.numberNode(v.getDoubleValue());
      case INTEGER_VALUE -> F.numberNode(v.getIntegerValue());
      case STRING_VALUE -> F.textNode(v.getStringValue());
      case BOOL_VALUE -> F.booleanNode(v.getBoolValue());
      case STRUCT_VALUE -> struct(v.getStructValue().getFieldsMap());
      case LIST_VALUE -> {
        ArrayNode a = F.arrayNode();
        v.getListValue().getValuesList().forEach(x -> a.add(value(x)));
        yield a;
      }
    };
  }

  /** {@code {"params": p}} → p; {@code {"params_map": {"map": m}}} → m. */
  private static JsonNode vectorsConfig(Message m) {
    Map.Entry<FieldDescriptor, Object> f = setField(m);
    return f == null ? F.objectNode() : json((Message) f.getValue());
  }

  /** A wrapper of one map: the map itself. */
  private static JsonNode onlyField(Message m) {
    Map.Entry<FieldDescriptor, Object> f = setField(m);
    return f == null ? F.objectNode() : field(f.getKey(), f.getValue());
  }

  /** A one-of wrapper around a plain value: the value ({@code 8}, {@code "auto"}, a key, an id). */
  private static JsonNode oneOfValue(Message m) {
    Map.Entry<FieldDescriptor, Object> f = setField(m);
    return f == null ? F.nullNode() : single(f.getKey(), f.getValue());
  }

  /** {@code {"snowball": {"language": l}}} → {@code {"type": "snowball", "language": l}}. */
  private static JsonNode stemmer(Message m) {
    Map.Entry<FieldDescriptor, Object> f = setField(m);
    return f == null ? F.objectNode().put("type", "none") : tagged(f.getKey().getName(), f);
  }

  /** {@code {"keyword_index_params": {...}}} → {@code {"type": "keyword", ...}}. */
  private static JsonNode payloadIndexParams(Message m) {
    Map.Entry<FieldDescriptor, Object> f = setField(m);
    return f == null ? F.nullNode() : tagged(f.getKey().getName().replace("_index_params", ""), f);
  }

  /** The fields of a one-of's message, with its kind as {@code type}. */
  private static ObjectNode tagged(String type, Map.Entry<FieldDescriptor, Object> f) {
    ObjectNode o = F.objectNode().put("type", type);
    o.setAll(fields((Message) f.getValue()));
    return o;
  }

  /** The one field set in a one-of (or single-field) wrapper, or null. */
  private static Map.Entry<FieldDescriptor, Object> setField(Message m) {
    var all = m.getAllFields().entrySet().iterator();
    return all.hasNext() ? all.next() : null;
  }

  private static ObjectNode fields(Message m) {
    ObjectNode o = F.objectNode();
    String type = m.getDescriptorForType().getFullName();
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.getOptions().getDeprecated()) {
        continue;
      }
      boolean present =
          f.isRepeated() ? m.getRepeatedFieldCount(f) > 0 : !f.hasPresence() || m.hasField(f);
      if (!present) {
        continue;
      }
      JsonNode v = field(f, m.getField(f));
      if (v != null) {
        o.set(RENAMED.getOrDefault(type + "." + f.getName(), f.getName()), v);
      }
    }
    return o;
  }

  private static JsonNode field(FieldDescriptor f, Object value) {
    if (f.isMapField()) {
      ObjectNode o = F.objectNode();
      FieldDescriptor valueField = f.getMessageType().findFieldByName("value");
      for (Object e : (List<?>) value) {
        MapEntry<?, ?> entry = (MapEntry<?, ?>) e;
        JsonNode v = single(valueField, entry.getValue());
        if (v != null) {
          o.set(String.valueOf(entry.getKey()), v);
        }
      }
      return o;
    }
    if (f.isRepeated()) {
      ArrayNode a = F.arrayNode();
      for (Object e : (List<?>) value) {
        JsonNode v = single(f, e);
        if (v != null) {
          a.add(v);
        }
      }
      return a;
    }
    return single(f, value);
  }

  /** One value of a field, or null when it means "not set" (an {@code Unknown…} enum value). */
  private static JsonNode single(FieldDescriptor f, Object value) {
    return switch (f.getJavaType()) {
      case MESSAGE -> json((Message) value);
      case ENUM -> enumValue((EnumValueDescriptor) value);
      case BOOLEAN -> F.booleanNode((Boolean) value);
      case STRING -> F.textNode((String) value);
      case FLOAT -> F.numberNode((Float) value);
      case DOUBLE -> F.numberNode((Double) value);
      case INT -> {
        int i = (Integer) value;
        boolean unsigned =
            f.getType() == FieldDescriptor.Type.UINT32
                || f.getType() == FieldDescriptor.Type.FIXED32;
        yield unsigned ? F.numberNode(Integer.toUnsignedLong(i)) : F.numberNode(i);
      }
      case LONG -> F.numberNode((Long) value);
      case BYTE_STRING -> null;
    };
  }

  /**
   * Qdrant's REST spelling of an enum value: {@code Cosine} as it is (distances keep their
   * capitals), else lower case with an underscore where a capital follows a small letter ({@code
   * OneAndHalfBits} → {@code one_and_half_bits}, {@code Scalar4Bits} → {@code scalar4bits}); null
   * for the values that mean "not set".
   */
  static JsonNode enumValue(EnumValueDescriptor e) {
    String name = e.getName();
    String enumName = e.getType().getFullName();
    if (name.startsWith("Unknown")
        || (enumName.equals("qdrant.Datatype") && name.equals("Default"))) {
      return null;
    }
    if (enumName.equals("qdrant.Distance")) {
      return F.textNode(name);
    }
    StringBuilder out = new StringBuilder(name.length() + 4);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(name.charAt(i - 1))) {
        out.append('_');
      }
      out.append(c);
    }
    return F.textNode(out.toString().toLowerCase(Locale.ROOT));
  }
}
