package dev.quiver.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import dev.quiver.server.request.ImplementedFields;
import dev.quiver.server.request.PayloadIndexParams;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Value;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.Points;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Payload index parameters between the gRPC messages ({@code PayloadIndexParams}, one message per
 * index type) and the REST-shaped struct a node stores ({@code {"type": "keyword", "is_tenant":
 * true}}), so an index made over either API reads back the same over both. Stateless, so
 * thread-safe.
 */
final class PayloadIndexProto {
  private PayloadIndexProto() {}

  /** The REST name of a gRPC field type. */
  static String type(Points.FieldType t) {
    return switch (t) {
      case FieldTypeKeyword -> "keyword";
      case FieldTypeInteger -> "integer";
      case FieldTypeFloat -> "float";
      case FieldTypeGeo -> "geo";
      case FieldTypeText -> "text";
      case FieldTypeBool -> "bool";
      case FieldTypeDatetime -> "datetime";
      case FieldTypeUuid -> "uuid";
      default -> throw new RequestException.Invalid("body", "field_type", "unknown field type");
    };
  }

  /** The gRPC name of a stored index type. */
  static Collections.PayloadSchemaType schemaType(String dataType) {
    return switch (dataType) {
      case "keyword" -> Collections.PayloadSchemaType.Keyword;
      case "integer" -> Collections.PayloadSchemaType.Integer;
      case "float" -> Collections.PayloadSchemaType.Float;
      case "geo" -> Collections.PayloadSchemaType.Geo;
      case "text" -> Collections.PayloadSchemaType.Text;
      case "bool" -> Collections.PayloadSchemaType.Bool;
      case "datetime" -> Collections.PayloadSchemaType.Datetime;
      case "uuid" -> Collections.PayloadSchemaType.Uuid;
      default -> Collections.PayloadSchemaType.UnknownType;
    };
  }

  /**
   * The stored struct of a request's {@code field_index_params} for an index of {@code type}, or
   * null when none is given; parameters of another index type are refused by name.
   */
  static Value.Struct params(String type, boolean has, Collections.PayloadIndexParams p) {
    if (!has
        || p.getIndexParamsCase()
            == Collections.PayloadIndexParams.IndexParamsCase.INDEXPARAMS_NOT_SET) {
      return null;
    }
    FieldDescriptor kind = p.getOneofFieldDescriptor(oneof());
    String path = "field_index_params." + kind.getName();
    if (!kind.getName().equals(type + "_index_params")) {
      throw new RequestException.Invalid(
          "body", path, "parameters of another index type than the field type " + type);
    }
    if (p.hasTextIndexParams()) {
      ProtoFields.onlyImplemented(p.getTextIndexParams(), path, ImplementedFields.TEXT_INDEX);
      Value.Struct text = textIndexParams(p.getTextIndexParams());
      PayloadIndexParams.check(type, text, path);
      return text;
    }
    Map<String, Value> out = new LinkedHashMap<>();
    out.put("type", new Value.Str(type));
    ((Message) p.getField(kind))
        .getAllFields()
        .forEach(
            (f, v) ->
                out.put(
                    f.getName(),
                    switch (v) {
                      case Boolean b -> new Value.Bool(b);
                      case Long l -> new Value.Int(l);
                      case Integer i -> new Value.Int(i);
                      default ->
                          throw new RequestException.Invalid(
                              "body", path + "." + f.getName(), "unsupported parameter");
                    }));
    Value.Struct params = new Value.Struct(out);
    PayloadIndexParams.check(type, params, path);
    return params;
  }

  /**
   * A stored index's parameters as gRPC shows them, or null when it has none. Keys the gRPC message
   * has no field for (a newer REST option) are left out of this view only.
   */
  static Collections.PayloadIndexParams proto(PayloadIndexSpec spec) {
    if (spec.params() == null) {
      return null;
    }
    Collections.PayloadIndexParams.Builder b = Collections.PayloadIndexParams.newBuilder();
    FieldDescriptor kind =
        Collections.PayloadIndexParams.getDescriptor()
            .findFieldByName(spec.dataType() + "_index_params");
    Message.Builder inner = b.getFieldBuilder(kind);
    spec.params()
        .fields()
        .forEach(
            (key, v) -> {
              FieldDescriptor f = inner.getDescriptorForType().findFieldByName(key);
              if (f == null || key.equals("type")) {
                return;
              }
              switch (f.getJavaType()) {
                case BOOLEAN -> {
                  if (v instanceof Value.Bool x) {
                    inner.setField(f, x.value());
                  }
                }
                case LONG -> {
                  if (v instanceof Value.Int x) {
                    inner.setField(f, x.value());
                  }
                }
                case ENUM -> {
                  if (v instanceof Value.Str x) {
                    var e = f.getEnumType().findValueByName(capitalized(x.value()));
                    if (e != null) {
                      inner.setField(f, e);
                    }
                  }
                }
                case MESSAGE -> {
                  if (key.equals("stopwords")) {
                    inner.setField(f, stopwords(v));
                  } else if (key.equals("stemmer")
                      && v instanceof Value.Struct s
                      && s.fields().get("language") instanceof Value.Str language) {
                    inner.setField(
                        f,
                        Collections.StemmingAlgorithm.newBuilder()
                            .setSnowball(
                                Collections.SnowballParams.newBuilder()
                                    .setLanguage(language.value()))
                            .build());
                  }
                }
                default -> {}
              }
            });
    return b.build();
  }

  /** A text index's gRPC parameters in the shape REST stores them ({@code field_schema}). */
  static Value.Struct textIndexParams(Collections.TextIndexParams t) {
    Map<String, Value> p = new LinkedHashMap<>();
    p.put("type", new Value.Str("text"));
    p.put(
        "tokenizer",
        new Value.Str(
            switch (t.getTokenizer()) {
              case Whitespace -> "whitespace";
              case Prefix -> "prefix";
              case Multilingual -> "multilingual";
              default -> "word";
            }));
    if (t.hasLowercase()) {
      p.put("lowercase", new Value.Bool(t.getLowercase()));
    }
    if (t.hasAsciiFolding()) {
      p.put("ascii_folding", new Value.Bool(t.getAsciiFolding()));
    }
    if (t.hasMinTokenLen()) {
      p.put("min_token_len", new Value.Int(t.getMinTokenLen()));
    }
    if (t.hasMaxTokenLen()) {
      p.put("max_token_len", new Value.Int(t.getMaxTokenLen()));
    }
    if (t.hasPhraseMatching()) {
      p.put("phrase_matching", new Value.Bool(t.getPhraseMatching()));
    }
    if (t.hasOnDisk()) {
      p.put("on_disk", new Value.Bool(t.getOnDisk()));
    }
    if (t.hasStopwords()) {
      List<Value> languages = new ArrayList<>();
      t.getStopwords().getLanguagesList().forEach(l -> languages.add(new Value.Str(l)));
      List<Value> custom = new ArrayList<>();
      t.getStopwords().getCustomList().forEach(w -> custom.add(new Value.Str(w)));
      p.put(
          "stopwords",
          new Value.Struct(
              Map.of("languages", new Value.Array(languages), "custom", new Value.Array(custom))));
    }
    if (t.hasStemmer()) {
      p.put(
          "stemmer",
          t.getStemmer().hasSnowball()
              ? new Value.Struct(
                  Map.of(
                      "type",
                      new Value.Str("snowball"),
                      "language",
                      new Value.Str(t.getStemmer().getSnowball().getLanguage())))
              : new Value.Struct(Map.of("type", new Value.Str("none"))));
    }
    return new Value.Struct(p);
  }

  /** {@code "english"} or {@code {"languages": [...], "custom": [...]}} as a stopword set. */
  private static Collections.StopwordsSet stopwords(Value v) {
    Collections.StopwordsSet.Builder b = Collections.StopwordsSet.newBuilder();
    if (v instanceof Value.Str language) {
      b.addLanguages(language.value());
    } else if (v instanceof Value.Struct s) {
      if (s.fields().get("languages") instanceof Value.Array a) {
        a.values().forEach(x -> b.addLanguages(x instanceof Value.Str str ? str.value() : ""));
      }
      if (s.fields().get("custom") instanceof Value.Array a) {
        a.values().forEach(x -> b.addCustom(x instanceof Value.Str str ? str.value() : ""));
      }
    }
    return b.build();
  }

  /** {@code word} → {@code Word}: a REST tokenizer name as its gRPC enum value. */
  private static String capitalized(String s) {
    return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
  }

  private static OneofDescriptor oneof() {
    return Collections.PayloadIndexParams.getDescriptor().getOneofs().getFirst();
  }
}
