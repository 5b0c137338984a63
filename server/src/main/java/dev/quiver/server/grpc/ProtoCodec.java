package dev.quiver.server.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Internal;
import com.google.protobuf.Message;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.request.Bm25;
import dev.quiver.server.request.PointVectors;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Filter;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.Common;
import io.qdrant.client.grpc.JsonWithInt;
import io.qdrant.client.grpc.Points;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Converts between the points service's protobuf messages (points, vectors, values, selectors, read
 * options, results) and the domain types; the collections service's are {@link CollectionProto}'s.
 * Problems become {@link RequestException}s, which {@link GrpcErrors} maps. Stateless and
 * thread-safe.
 */
final class ProtoCodec {
  static final String BODY = "body";

  private ProtoCodec() {}

  // ---------------------------------------------------------------- requests

  /** Qdrant's {@code update_mode} of an upsert. */
  static UpdateOp.Upsert.Mode updateMode(boolean has, Points.UpdateMode m) {
    if (!has) {
      return UpdateOp.Upsert.Mode.UPSERT;
    }
    return switch (m) {
      case Upsert -> UpdateOp.Upsert.Mode.UPSERT;
      case InsertOnly -> UpdateOp.Upsert.Mode.INSERT_ONLY;
      case UpdateOnly -> UpdateOp.Upsert.Mode.UPDATE_ONLY;
      case UNRECOGNIZED ->
          throw new RequestException.Invalid(BODY, "update_mode", "unknown update mode");
    };
  }

  static int range(long v, long min, long max, String field) {
    if (v < min || v > max) {
      throw new RequestException.Invalid(
          BODY,
          field,
          "value " + Long.toUnsignedString(v) + " invalid, must be from " + min + " to " + max);
    }
    return (int) v;
  }

  static List<Point> points(List<Points.PointStruct> structs) {
    List<Point> out = new ArrayList<>(structs.size());
    for (int i = 0; i < structs.size(); i++) {
      Points.PointStruct s = structs.get(i);
      String at = "points[" + i + "]";
      if (!s.hasId()) {
        throw new RequestException.Invalid(BODY, at + ".id", "field is required");
      }
      PointVectors vectors =
          s.hasVectors() ? vectors(s.getVectors(), at + ".vectors") : new PointVectors();
      out.add(vectors.point(pointId(s.getId(), at + ".id"), struct(s.getPayloadMap())));
    }
    return out;
  }

  /** A point's vectors: the unnamed one, or named ones, dense or sparse. */
  private static PointVectors vectors(Points.Vectors v, String path) {
    var out = new PointVectors();
    switch (v.getVectorsOptionsCase()) {
      case VECTOR -> put(out, CollectionConfig.DEFAULT_VECTOR, v.getVector(), path);
      case VECTORS ->
          v.getVectors().getVectorsMap().forEach((k, x) -> put(out, k, x, path + "." + k));
      case VECTORSOPTIONS_NOT_SET -> {}
    }
    return out;
  }

  /** One named vector: dense, or sparse (the {@code sparse} field, or the deprecated form). */
  @SuppressWarnings("deprecation") // older clients send sparse vectors as `data` with `indices`
  private static void put(PointVectors out, String name, Points.Vector v, String path) {
    if (v.getVectorCase() == Points.Vector.VectorCase.SPARSE) {
      out.sparse().put(name, sparse(v.getSparse(), path));
    } else if (v.getVectorCase() == Points.Vector.VectorCase.MULTI_DENSE) {
      out.multi().put(name, rows(v.getMultiDense(), path));
    } else if (v.getVectorCase() == Points.Vector.VectorCase.VECTOR_NOT_SET
        && v.hasVectorsCount()) {
      out.multi().put(name, rows(floats(v.getDataList()), v.getVectorsCount(), path));
    } else if (v.getVectorCase() == Points.Vector.VectorCase.DOCUMENT) {
      out.sparse().put(name, document(v.getDocument(), path, false));
    } else if (v.getVectorCase() == Points.Vector.VectorCase.VECTOR_NOT_SET && v.hasIndices()) {
      out.sparse()
          .put(
              name,
              sparse(
                  Points.SparseVector.newBuilder()
                      .addAllIndices(v.getIndices().getDataList())
                      .addAllValues(v.getDataList())
                      .build(),
                  path));
    } else {
      out.dense().put(name, dense(v));
    }
  }

  /** A {@code Document} as the BM25 model embeds it: as a document to store, or as a query. */
  static SparseVector document(Points.Document d, String path, boolean query) {
    Value.Struct options = d.getOptionsCount() == 0 ? null : struct(d.getOptionsMap());
    return query
        ? Bm25.query(d.getText(), d.getModel(), options, BODY, path)
        : Bm25.document(d.getText(), d.getModel(), options, BODY, path);
  }

  /** A {@code MultiDenseVector}: its vectors, at most the engine's row cap. */
  static float[][] rows(Points.MultiDenseVector m, String path) {
    PointVectors.checkRows(m.getVectorsCount(), BODY, path);
    float[][] rows = new float[m.getVectorsCount()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = floats(m.getVectors(i).getDataList());
    }
    return rows;
  }

  /** The deprecated form: {@code count} vectors of equal size, one after the other. */
  private static float[][] rows(float[] flat, int count, String path) {
    if (count < 1 || count > VectorParams.MAX_MULTIVECTOR_ROWS || flat.length % count != 0) {
      throw new RequestException.Invalid(
          BODY, path + ".vectors_count", "does not divide the data into vectors of one size");
    }
    int dim = flat.length / count;
    float[][] rows = new float[count][];
    for (int i = 0; i < count; i++) {
      rows[i] = Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
    }
    return rows;
  }

  /** A sparse vector message, checked as Qdrant checks it (INVALID_ARGUMENT otherwise). */
  static SparseVector sparse(Points.SparseVector v, String path) {
    if (v.getIndicesCount() > SparseVector.MAX_LENGTH) {
      return PointVectors.sparse(new int[v.getIndicesCount()], new float[0], BODY, path);
    }
    int[] indices = new int[v.getIndicesCount()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = v.getIndices(i);
    }
    return PointVectors.sparse(indices, floats(v.getValuesList()), BODY, path);
  }

  /**
   * {@code UpdateVectors}: the points and the vectors to replace, and the update filter (or null).
   */
  static UpdateOp updateVectors(List<Points.PointVectors> list, Filter updateFilter) {
    List<Point> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      Points.PointVectors p = list.get(i);
      String at = "points[" + i + "]";
      if (!p.hasId()) {
        throw new RequestException.Invalid(BODY, at + ".id", "field is required");
      }
      out.add(vectors(p.getVectors(), at + ".vectors").point(pointId(p.getId(), at + ".id"), null));
    }
    return new UpdateOp.UpdateVectors(out, updateFilter);
  }

  /** A dense vector ({@link #put} has taken the other kinds). */
  @SuppressWarnings("deprecation") // the deprecated `data` field is what older clients still send
  private static float[] dense(Points.Vector v) {
    return switch (v.getVectorCase()) {
      case DENSE -> floats(v.getDense().getDataList());
      case VECTOR_NOT_SET -> floats(v.getDataList());
      case IMAGE, OBJECT -> throw Bm25.imagesAndObjects();
      case SPARSE, MULTI_DENSE, DOCUMENT ->
          throw new IllegalStateException("not a dense vector: " + v.getVectorCase());
    };
  }

  static float[] floats(List<Float> data) {
    float[] out = new float[data.size()];
    if (data instanceof Internal.FloatList primitive) {
      for (int i = 0; i < out.length; i++) {
        out[i] = primitive.getFloat(i); // no boxing: protobuf keeps packed floats unboxed
      }
      return out;
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = data.get(i);
    }
    return out;
  }

  static List<PointId> pointIds(List<Common.PointId> ids) {
    List<PointId> out = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      out.add(pointId(ids.get(i), "ids[" + i + "]"));
    }
    return out;
  }

  static PointId pointId(Common.PointId id, String path) {
    return switch (id.getPointIdOptionsCase()) {
      case NUM -> PointId.of(id.getNum());
      case UUID -> {
        try {
          yield PointId.of(UUID.fromString(id.getUuid()));
        } catch (IllegalArgumentException e) {
          throw new RequestException.Invalid(
              BODY, path, "`" + id.getUuid() + "` is not a valid UUID");
        }
      }
      case POINTIDOPTIONS_NOT_SET ->
          throw new RequestException.Invalid(BODY, path, "point id is empty");
    };
  }

  static PointSelector selector(Points.PointsSelector s) {
    return switch (s.getPointsSelectorOneOfCase()) {
      case POINTS -> new PointSelector.Ids(pointIds(s.getPoints().getIdsList()));
      case FILTER -> new PointSelector.ByFilter(FilterProto.parse(s.getFilter()));
      case POINTSSELECTORONEOF_NOT_SET ->
          throw new RequestException.Invalid(BODY, "points", "selector is empty");
    };
  }

  static WithPayload withPayload(boolean has, Points.WithPayloadSelector s, WithPayload absent) {
    if (!has) {
      return absent;
    }
    return switch (s.getSelectorOptionsCase()) {
      case ENABLE -> s.getEnable() ? WithPayload.ALL : WithPayload.NONE;
      case INCLUDE -> WithPayload.include(s.getInclude().getFieldsList());
      case EXCLUDE -> WithPayload.exclude(s.getExclude().getFieldsList());
      case SELECTOROPTIONS_NOT_SET -> absent;
    };
  }

  static WithVectors withVectors(boolean has, Points.WithVectorsSelector s) {
    if (!has) {
      return WithVectors.NONE;
    }
    return switch (s.getSelectorOptionsCase()) {
      case ENABLE -> s.getEnable() ? WithVectors.ALL : WithVectors.NONE;
      case INCLUDE -> WithVectors.only(s.getInclude().getNamesList());
      case SELECTOROPTIONS_NOT_SET -> WithVectors.NONE;
    };
  }

  static int limit(boolean has, long limit, int absent) {
    if (!has) {
      return absent;
    }
    if (limit == 0) {
      throw new RequestException.Invalid(BODY, "limit", "value 0 invalid, must be 1.0 or larger");
    }
    return Long.compareUnsigned(limit, Integer.MAX_VALUE - 1) > 0
        ? Integer.MAX_VALUE - 1
        : (int) limit;
  }

  static int offset(boolean has, long offset) {
    if (!has) {
      return 0;
    }
    return Long.compareUnsigned(offset, Integer.MAX_VALUE / 2) > 0
        ? Integer.MAX_VALUE / 2
        : (int) offset;
  }

  static Value.Struct struct(Map<String, JsonWithInt.Value> fields) {
    Map<String, Value> out = new LinkedHashMap<>();
    fields.forEach((k, v) -> out.put(k, value(v)));
    return new Value.Struct(out);
  }

  static Value value(JsonWithInt.Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> Value.Null.INSTANCE;
      case DOUBLE_VALUE -> new Value.Double(v.getDoubleValue());
      case INTEGER_VALUE -> new Value.Int(v.getIntegerValue());
      case STRING_VALUE -> new Value.Str(v.getStringValue());
      case BOOL_VALUE -> new Value.Bool(v.getBoolValue());
      case STRUCT_VALUE -> struct(v.getStructValue().getFieldsMap());
      case LIST_VALUE -> {
        List<Value> values = new ArrayList<>();
        v.getListValue().getValuesList().forEach(x -> values.add(value(x)));
        yield new Value.Array(values);
      }
    };
  }

  // ---------------------------------------------------------------- responses

  static JsonWithInt.Value proto(Value v) {
    var b = JsonWithInt.Value.newBuilder();
    switch (v) {
      case Value.Null n -> b.setNullValue(JsonWithInt.NullValue.NULL_VALUE);
      case Value.Bool x -> b.setBoolValue(x.value());
      case Value.Int x -> b.setIntegerValue(x.value());
      case Value.Double x -> b.setDoubleValue(x.value());
      case Value.Str x -> b.setStringValue(x.value());
      case Value.Array x -> {
        var list = JsonWithInt.ListValue.newBuilder();
        x.values().forEach(e -> list.addValues(proto(e)));
        b.setListValue(list);
      }
      case Value.Struct x -> {
        var s = JsonWithInt.Struct.newBuilder();
        x.fields().forEach((k, e) -> s.putFields(k, proto(e)));
        b.setStructValue(s);
      }
    }
    return b.build();
  }

  static Common.PointId proto(PointId id) {
    return switch (id) {
      case PointId.Num n -> Common.PointId.newBuilder().setNum(n.value()).build();
      case PointId.Uuid u -> Common.PointId.newBuilder().setUuid(u.value().toString()).build();
    };
  }

  static Points.ScoredPoint proto(ScoredPoint p) {
    var b =
        Points.ScoredPoint.newBuilder()
            .setId(proto(p.id()))
            .setScore(p.score())
            .setVersion(p.version());
    if (p.payload() != null) {
      p.payload().fields().forEach((k, v) -> b.putPayload(k, proto(v)));
    }
    if (p.vectors() != null || p.sparseVectors() != null || p.multiVectors() != null) {
      b.setVectors(vectorsOutput(p.vectors(), p.sparseVectors(), p.multiVectors()));
    }
    if (p.shardKey() != null) {
      b.setShardKey(proto(p.shardKey()));
    }
    if (p.orderValue() != null) {
      b.setOrderValue(orderValue(p.orderValue()));
    }
    return b.build();
  }

  /** An {@code order_value}: an integer or a float payload value. */
  static Points.OrderValue orderValue(Value v) {
    var value = Points.OrderValue.newBuilder();
    if (v instanceof Value.Int i) {
      value.setInt(i.value());
    } else if (v instanceof Value.Double d) {
      value.setFloat(d.value());
    }
    return value.build();
  }

  static Points.RetrievedPoint proto(PointRecord r) {
    var b = Points.RetrievedPoint.newBuilder().setId(proto(r.id()));
    if (r.payload() != null) {
      r.payload().fields().forEach((k, v) -> b.putPayload(k, proto(v)));
    }
    if (r.vectors() != null || r.sparseVectors() != null || r.multiVectors() != null) {
      b.setVectors(vectorsOutput(r.vectors(), r.sparseVectors(), r.multiVectors()));
    }
    if (r.shardKey() != null) {
      b.setShardKey(proto(r.shardKey()));
    }
    return b.build();
  }

  static Collections.ShardKey proto(ShardKey key) {
    return switch (key) {
      case ShardKey.Number n -> Collections.ShardKey.newBuilder().setNumber(n.value()).build();
      case ShardKey.Keyword k -> Collections.ShardKey.newBuilder().setKeyword(k.value()).build();
    };
  }

  static ShardKey shardKey(Collections.ShardKey key, String field) {
    return switch (key.getKeyCase()) {
      case KEYWORD -> new ShardKey.Keyword(key.getKeyword());
      case NUMBER -> {
        if (key.getNumber() < 0) {
          throw new RequestException.Invalid("body", field, "must be at most 2^63 - 1");
        }
        yield new ShardKey.Number(key.getNumber());
      }
      default -> throw new RequestException.Invalid("body", field, "a shard key must be given");
    };
  }

  /**
   * Copies every field set in {@code from} into the field of the same name and type in {@code to}:
   * the request kinds of the Points service (search, groups, recommend, query) share most of their
   * fields, and each is served as a query. Fields without a counterpart (or with another type, such
   * as a {@code uint32} limit against a {@code uint64} one) are left to the caller.
   */
  static void copySameFields(Message from, Message.Builder to) {
    var target = to.getDescriptorForType();
    from.getAllFields()
        .forEach(
            (field, value) -> {
              var other = target.findFieldByName(field.getName());
              if (other != null
                  && other.getJavaType() == field.getJavaType()
                  && other.isRepeated() == field.isRepeated()
                  && sameType(field, other)) {
                to.setField(other, value);
              }
            });
  }

  private static boolean sameType(Descriptors.FieldDescriptor a, Descriptors.FieldDescriptor b) {
    return switch (a.getJavaType()) {
      case MESSAGE -> a.getMessageType().getFullName().equals(b.getMessageType().getFullName());
      case ENUM -> a.getEnumType().getFullName().equals(b.getEnumType().getFullName());
      default -> true;
    };
  }

  /** A request's {@code shard_key_selector}; absent or empty addresses every shard. */
  static ShardSelector shards(boolean has, Points.ShardKeySelector s) {
    if (!has || s.getShardKeysCount() == 0) {
      return ShardSelector.ALL;
    }
    var keys = new ArrayList<ShardKey>();
    for (int i = 0; i < s.getShardKeysCount(); i++) {
      keys.add(shardKey(s.getShardKeys(i), "shard_key_selector.shard_keys[" + i + "]"));
    }
    if (s.hasFallback()) {
      if (keys.size() != 1) {
        throw new RequestException.Invalid(
            "body", "shard_key_selector.fallback", "a fallback needs exactly one shard key");
      }
      return new ShardSelector(keys, shardKey(s.getFallback(), "shard_key_selector.fallback"));
    }
    return new ShardSelector(keys, null);
  }

  private static Points.VectorsOutput vectorsOutput(
      Map<String, float[]> vectors,
      Map<String, SparseVector> sparse,
      Map<String, float[][]> multi) {
    boolean withSparse = sparse != null && !sparse.isEmpty();
    boolean withMulti = multi != null && !multi.isEmpty();
    boolean dense = vectors != null && !vectors.isEmpty();
    if (!withSparse
        && !withMulti
        && dense
        && vectors.size() == 1
        && vectors.containsKey(CollectionConfig.DEFAULT_VECTOR)) {
      return Points.VectorsOutput.newBuilder()
          .setVector(vectorOutput(vectors.get(CollectionConfig.DEFAULT_VECTOR)))
          .build();
    }
    if (!withSparse
        && !dense
        && withMulti
        && multi.size() == 1
        && multi.containsKey(CollectionConfig.DEFAULT_VECTOR)) {
      return Points.VectorsOutput.newBuilder()
          .setVector(vectorOutput(multi.get(CollectionConfig.DEFAULT_VECTOR)))
          .build();
    }
    var named = Points.NamedVectorsOutput.newBuilder();
    if (vectors != null) {
      new TreeMap<>(vectors).forEach((k, v) -> named.putVectors(k, vectorOutput(v)));
    }
    if (withSparse) {
      new TreeMap<>(sparse).forEach((k, v) -> named.putVectors(k, vectorOutput(v)));
    }
    if (withMulti) {
      new TreeMap<>(multi).forEach((k, v) -> named.putVectors(k, vectorOutput(v)));
    }
    return Points.VectorsOutput.newBuilder().setVectors(named).build();
  }

  /**
   * A multivector in the current {@code multi_dense} field and flattened in the deprecated {@code
   * data} with {@code vectors_count}, which older clients read.
   */
  @SuppressWarnings("deprecation")
  private static Points.VectorOutput vectorOutput(float[][] rows) {
    var multi = Points.MultiDenseVector.newBuilder();
    var b = Points.VectorOutput.newBuilder();
    for (float[] row : rows) {
      var dense = Points.DenseVector.newBuilder();
      for (float f : row) {
        dense.addData(f);
        b.addData(f);
      }
      multi.addVectors(dense);
    }
    return b.setVectorsCount(rows.length).setMultiDense(multi).build();
  }

  /**
   * A sparse vector in the current {@code sparse} field and in the deprecated {@code data} and
   * {@code indices}, which older clients read.
   */
  @SuppressWarnings("deprecation")
  private static Points.VectorOutput vectorOutput(SparseVector v) {
    var sparse = Points.SparseVector.newBuilder();
    var indices = Points.SparseIndices.newBuilder();
    var b = Points.VectorOutput.newBuilder();
    for (int i = 0; i < v.size(); i++) {
      sparse.addIndices(v.indices()[i]).addValues(v.values()[i]);
      indices.addData(v.indices()[i]);
      b.addData(v.values()[i]);
    }
    return b.setIndices(indices).setSparse(sparse).build();
  }

  /**
   * Fills both the current {@code dense} field and the deprecated {@code data}, which older clients
   * read.
   */
  @SuppressWarnings("deprecation")
  private static Points.VectorOutput vectorOutput(float[] v) {
    var dense = Points.DenseVector.newBuilder();
    var b = Points.VectorOutput.newBuilder();
    for (float f : v) {
      dense.addData(f);
      b.addData(f);
    }
    return b.setDense(dense).build();
  }

  static Points.UpdateResult proto(UpdateResult r) {
    return Points.UpdateResult.newBuilder()
        .setOperationId(r.operationId())
        .setStatus(
            r.status() == UpdateResult.Status.COMPLETED
                ? Points.UpdateStatus.Completed
                : Points.UpdateStatus.Acknowledged)
        .build();
  }

  /** {@code read_consistency}: a factor N, or Majority / Quorum / All. */
  static ReadConsistency consistency(boolean present, Points.ReadConsistency c) {
    if (!present) {
      return ReadConsistency.ONE;
    }
    return switch (c.getValueCase()) {
      case TYPE -> ReadConsistency.LINEARIZABLE;
      case FACTOR -> c.getFactor() <= 1 ? ReadConsistency.ONE : ReadConsistency.LINEARIZABLE;
      case VALUE_NOT_SET -> ReadConsistency.ONE;
    };
  }
}
