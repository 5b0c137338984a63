package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.request.Bm25;
import dev.quiver.server.request.PointVectors;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.Value;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Vectors between Qdrant's REST JSON and the domain types: dense, sparse, multivector and BM25
 * documents in requests, a point's vectors in answers. Shape errors become {@link
 * RequestException.Malformed} (400), rule violations {@link RequestException.Invalid} (422).
 * Stateless and thread-safe.
 */
final class VectorJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private VectorJson() {}

  static PointVectors vectorStruct(JsonNode node, String path) {
    PointVectors out = new PointVectors();
    if (node.isArray()) {
      putVector(out, CollectionConfig.DEFAULT_VECTOR, node, path);
      return out;
    }
    if (node.isObject()) {
      node.properties()
          .forEach(e -> putVector(out, e.getKey(), e.getValue(), path + "." + e.getKey()));
      out.checkNames(path);
      return out;
    }
    throw new RequestException.Malformed(
        "Format error in JSON body: data did not match any variant of untagged enum VectorStruct at `"
            + path
            + "`");
  }

  /** One named vector of a point: a list of numbers (dense) or {@code {indices, values}}. */
  static void putVector(PointVectors out, String name, JsonNode v, String path) {
    if (v.isObject() && (v.has("text") || v.has("model"))) {
      out.sparse().put(name, document(v, path, false));
      return;
    }
    if (v.isObject()) {
      out.sparse().put(name, sparseVector(v, path));
      return;
    }
    if (v.isArray() && !v.isEmpty() && v.get(0).isArray()) {
      out.multi().put(name, multiVector(v, path));
      return;
    }
    out.dense().put(name, denseVector(v, path));
  }

  /** A {@code MultiDenseVector}: a list of dense vectors, at most the engine's row cap. */
  static float[][] multiVector(JsonNode node, String path) {
    ArrayNode arr = array(node, path);
    PointVectors.checkRows(arr.size(), BODY, path);
    float[][] rows = new float[arr.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = denseVector(arr.get(i), path + "[" + i + "]");
    }
    return rows;
  }

  /**
   * A {@code Document} ({@code {"text", "model", "options"}}) as the BM25 model embeds it: as a
   * document to store, or as a query.
   */
  static SparseVector document(JsonNode node, String path, boolean query) {
    ObjectNode o = object(node, path);
    for (var e : o.properties()) {
      if (!Set.of("text", "model", "options").contains(e.getKey())) {
        throw new RequestException.Malformed(
            "Format error in JSON body: unknown field `"
                + e.getKey()
                + "`, expected `text`, `model` or `options` at `"
                + path
                + "`");
      }
    }
    String text = text(required(o, "text", path), path + ".text");
    String model = text(required(o, "model", path), path + ".model");
    Value.Struct options =
        o.hasNonNull("options") ? ValueJson.payload(o.get("options"), path + ".options") : null;
    return query
        ? Bm25.query(text, model, options, BODY, path)
        : Bm25.document(text, model, options, BODY, path);
  }

  /**
   * A {@code SparseVector}: {@code {"indices": [u32], "values": [f32]}}, as many of each, the
   * indices unique (422 otherwise, as Qdrant validates it); it need not be sorted.
   */
  static SparseVector sparseVector(JsonNode node, String path) {
    ObjectNode o = object(node, path);
    for (var e : o.properties()) {
      if (!e.getKey().equals("indices") && !e.getKey().equals("values")) {
        throw new RequestException.Malformed(
            "Format error in JSON body: unknown field `"
                + e.getKey()
                + "`, expected `indices` or `values` at `"
                + path
                + "`");
      }
    }
    ArrayNode idx = array(required(o, "indices", path), path + ".indices");
    ArrayNode val = array(required(o, "values", path), path + ".values");
    if (idx.size() > SparseVector.MAX_LENGTH) { // before anything is allocated for it
      return PointVectors.sparse(new int[idx.size()], new float[0], BODY, path);
    }
    int[] indices = new int[idx.size()];
    for (int i = 0; i < indices.length; i++) {
      JsonNode x = idx.get(i);
      if (!x.isIntegralNumber()
          || !x.canConvertToLong()
          || x.asLong() < 0
          || x.asLong() > 0xFFFFFFFFL) {
        throw malformed(x, "u32", path + ".indices[" + i + "]");
      }
      indices[i] = (int) x.asLong();
    }
    float[] values = new float[val.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode x = val.get(i);
      if (!x.isNumber()) {
        throw malformed(x, "f32", path + ".values[" + i + "]");
      }
      values[i] = x.floatValue();
    }
    return PointVectors.sparse(indices, values, BODY, path);
  }

  static float[] denseVector(JsonNode node, String path) {
    if (node instanceof NumberArray numbers) {
      float[] v = numbers.floats();
      if (v != null) {
        return v; // every member a number: nothing to check one by one
      }
    }
    ArrayNode arr = array(node, path);
    float[] v = new float[arr.size()];
    for (int i = 0; i < v.length; i++) {
      JsonNode x = arr.get(i);
      if (!x.isNumber()) {
        throw malformed(x, "f32", path + "[" + i + "]");
      }
      v[i] = x.floatValue();
    }
    return v;
  }

  static JsonNode vectors(
      Map<String, float[]> vectors,
      Map<String, SparseVector> sparse,
      Map<String, float[][]> multi) {
    boolean withSparse = sparse != null && !sparse.isEmpty();
    boolean withMulti = multi != null && !multi.isEmpty();
    if (vectors == null && !withSparse && !withMulti) {
      return F.nullNode();
    }
    boolean dense = vectors != null && !vectors.isEmpty();
    if (!withSparse
        && !withMulti
        && dense
        && vectors.size() == 1
        && vectors.containsKey(CollectionConfig.DEFAULT_VECTOR)) {
      return floats(vectors.get(CollectionConfig.DEFAULT_VECTOR));
    }
    if (!withSparse
        && !dense
        && withMulti
        && multi.size() == 1
        && multi.containsKey(CollectionConfig.DEFAULT_VECTOR)) {
      return rows(multi.get(CollectionConfig.DEFAULT_VECTOR));
    }
    ObjectNode o = F.objectNode();
    if (vectors != null) {
      new TreeMap<>(vectors).forEach((k, v) -> o.set(k, floats(v)));
    }
    if (withSparse) {
      new TreeMap<>(sparse).forEach((k, v) -> o.set(k, sparse(v)));
    }
    if (withMulti) {
      new TreeMap<>(multi).forEach((k, v) -> o.set(k, rows(v)));
    }
    return o;
  }

  private static ArrayNode rows(float[][] rows) {
    ArrayNode arr = F.arrayNode(rows.length);
    for (float[] row : rows) {
      arr.add(floats(row));
    }
    return arr;
  }

  /** A sparse vector as {@code {"indices", "values"}}, indices as unsigned numbers. */
  static ObjectNode sparse(SparseVector v) {
    ObjectNode o = F.objectNode();
    ArrayNode idx = o.putArray("indices");
    for (int i : v.indices()) {
      idx.add(Integer.toUnsignedLong(i));
    }
    o.set("values", floats(v.values()));
    return o;
  }

  private static ArrayNode floats(float[] v) {
    ArrayNode arr = F.arrayNode(v.length);
    for (float f : v) {
      arr.add(f);
    }
    return arr;
  }
}
