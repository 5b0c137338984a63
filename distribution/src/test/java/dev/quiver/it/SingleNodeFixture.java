package dev.quiver.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  /** The ids of a list of points, in order. */
  static List<Long> ids(JsonNode points) {
    List<Long> out = new ArrayList<>();
    points.forEach(p -> out.add(p.get("id").asLong()));
    return out;
  }
}
