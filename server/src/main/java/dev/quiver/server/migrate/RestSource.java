package dev.quiver.server.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A source read over Qdrant's REST API. Not thread-safe: one migration's. */
final class RestSource implements Source {
  private final RestEndpoint rest;

  RestSource(RestEndpoint rest) {
    this.rest = rest;
  }

  @Override
  public List<String> collections() throws IOException, InterruptedException {
    List<String> names = new ArrayList<>();
    for (JsonNode c : rest.call("GET", "/collections", null).path("collections")) {
      names.add(c.path("name").asText());
    }
    return names;
  }

  @Override
  public JsonNode collection(String name) throws IOException, InterruptedException {
    return rest.call("GET", RestEndpoint.collectionPath(name), null);
  }

  @Override
  public JsonNode cluster(String name) throws IOException, InterruptedException {
    return rest.call("GET", RestEndpoint.collectionPath(name) + "/cluster", null);
  }

  @Override
  public long count(String name) throws IOException, InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("exact", true);
    return rest.call("POST", RestEndpoint.collectionPath(name) + "/points/count", body)
        .path("count")
        .asLong();
  }

  @Override
  public JsonNode scroll(String name, JsonNode offset, int limit)
      throws IOException, InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("limit", limit);
    body.put("with_payload", true);
    body.put("with_vector", true);
    if (offset != null && !offset.isNull()) {
      body.set("offset", offset);
    }
    return rest.call("POST", RestEndpoint.collectionPath(name) + "/points/scroll", body);
  }

  @Override
  public JsonNode points(String name, List<JsonNode> ids) throws IOException, InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("ids", RestEndpoint.JSON.valueToTree(ids));
    body.put("with_payload", true);
    body.put("with_vector", true);
    return rest.call("POST", RestEndpoint.collectionPath(name) + "/points", body);
  }

  @Override
  public JsonNode aliases() throws IOException, InterruptedException {
    return rest.call("GET", "/aliases", null);
  }
}
