package dev.quiver.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests against one packaged node share: Qdrant's OpenAPI document to check answers
 * against, a work directory, the node a test starts (stopped after each test), and small readers of
 * the answers.
 */
abstract class SingleNodeFixture {
  /** The collection path template of the OpenAPI document. */
  static final String C = "/collections/{collection_name}";

  static OpenApiValidator openApi;

  @TempDir Path work;
  QuiverProcess node;

  @BeforeAll
  static void loadSpec() throws Exception {
    openApi = new OpenApiValidator();
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** Creates a payload index on {@code field} of {@code collection} over REST, waiting for it. */
  static void createIndex(Rest rest, String collection, String field, String schema)
      throws Exception {
    rest.call(
        "PUT",
        C + "/index",
        "/collections/" + collection + "/index?wait=true",
        "{\"field_name\":\"" + field + "\",\"field_schema\":" + schema + "}");
  }

  /** Waits up to 30 s for {@code collection} to report {@code green} (its graph caught up). */
  static void awaitGreen(Rest rest, String collection) throws Exception {
    for (int i = 0; i < 300; i++) {
      if (rest.call("GET", C, "/collections/" + collection, null)
          .result()
          .get("status")
          .asText()
          .equals("green")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(collection + " not indexed within 30 s");
  }

  /** A JSON array of {@code dim} gaussian components. */
  static String gaussianVector(Random random, int dim) {
    StringBuilder v = new StringBuilder("[");
    for (int d = 0; d < dim; d++) {
      v.append(d > 0 ? "," : "").append(random.nextGaussian());
    }
    return v.append(']').toString();
  }

  /** The numbers of a JSON array of numbers, as {@link #gaussianVector} writes it. */
  static float[] floats(String json) {
    String[] parts = json.substring(1, json.length() - 1).split(",");
    float[] out = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Float.parseFloat(parts[i]);
    }
    return out;
  }

  /** The ids of a list of points, in order. */
  static List<Long> ids(JsonNode points) {
    List<Long> out = new ArrayList<>();
    points.forEach(p -> out.add(p.get("id").asLong()));
    return out;
  }
}
