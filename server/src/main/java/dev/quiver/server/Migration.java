package dev.quiver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Copies collections from a running Qdrant or Quiver into a Quiver node through Qdrant's public
 * REST API only: each collection's configuration ({@code GET /collections/{c}}, created on the
 * target as it was, so the target refuses by name what it does not implement), its payload indexes
 * ({@code payload_schema}), its shard keys (custom sharding: each created, each point upserted
 * under its own), its points with every vector and payload (scrolled in pages, upserted with {@code
 * wait}), and the aliases that name it. Resumable: after each page the next scroll offset is
 * written to a state file, and a rerun continues from there (upserts are idempotent); a collection
 * finished is skipped. Verified at the end: exact counts on both sides, and the first point of
 * every page read back from both and compared (payloads exactly, vectors to 1e-5, as a Cosine
 * vector is normalised again on the way in). Not thread-safe: one migration runs on its caller's
 * thread.
 */
final class Migration {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where to read, where to write, and how. */
  record Settings(
      URI from,
      String fromApiKey,
      URI to,
      String toApiKey,
      List<String> collections,
      int batch,
      Path state,
      Duration timeout) {}

  /** What became of one collection. */
  record Outcome(String collection, long points, boolean verified, String problem) {}

  private final Settings settings;
  private final HttpClient http;
  private final PrintWriter progress;
  private final ObjectNode state;

  Migration(Settings settings, HttpClient http, PrintWriter progress) throws IOException {
    this.settings = settings;
    this.http = http;
    this.progress = progress;
    this.state =
        Files.exists(settings.state())
            ? (ObjectNode) JSON.readTree(Files.readString(settings.state()))
            : JsonNodeFactory.instance.objectNode();
  }

  /** Migrates every collection asked for (all the source has when none), then their aliases. */
  List<Outcome> run() throws IOException, InterruptedException {
    List<String> names = settings.collections();
    if (names.isEmpty()) {
      names = new ArrayList<>();
      for (JsonNode c :
          call(settings.from(), settings.fromApiKey(), "GET", "/collections", null)
              .path("collections")) {
        names.add(c.path("name").asText());
      }
    }
    List<Outcome> out = new ArrayList<>();
    for (String name : names) {
      out.add(collection(name));
    }
    aliases(names);
    return out;
  }

  private Outcome collection(String name) throws IOException, InterruptedException {
    // a name is a path segment: escaped, as a name may hold spaces or other reserved characters
    String path =
        "/collections/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    JsonNode info = call(settings.from(), settings.fromApiKey(), "GET", path, null);
    JsonNode config = info.path("config");
    boolean custom = "custom".equals(config.path("params").path("sharding_method").asText(""));
    ObjectNode progressOf = state.get(name) instanceof ObjectNode o ? o : state.putObject(name);
    if (!exists(path)) {
      call(settings.to(), settings.toApiKey(), "PUT", path, createBody(config));
    }
    if (custom) {
      shardKeys(path);
    }
    JsonNode schema = info.path("payload_schema");
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("field_name", field.getKey());
      JsonNode params = field.getValue().path("params");
      body.set("field_schema", params.isObject() ? params : field.getValue().path("data_type"));
      call(settings.to(), settings.toApiKey(), "PUT", path + "/index?wait=true", body);
    }
    long total = count(settings.from(), settings.fromApiKey(), path);
    long copied = progressOf.path("copied").asLong(0);
    List<JsonNode> sample = new ArrayList<>();
    for (JsonNode id : progressOf.path("sample")) {
      sample.add(id);
    }
    while (!progressOf.path("done").asBoolean(false)) {
      ObjectNode scroll = JsonNodeFactory.instance.objectNode();
      scroll.put("limit", settings.batch());
      scroll.put("with_payload", true);
      scroll.put("with_vector", true);
      JsonNode offset = progressOf.get("offset");
      if (offset != null && !offset.isNull()) {
        scroll.set("offset", offset);
      }
      JsonNode page =
          call(settings.from(), settings.fromApiKey(), "POST", path + "/points/scroll", scroll);
      // grouped by shard key (one group, keyed "", without custom sharding)
      Map<String, ArrayNode> byKey = new LinkedHashMap<>();
      Map<String, JsonNode> keys = new HashMap<>();
      for (JsonNode p : page.path("points")) {
        ObjectNode point = JsonNodeFactory.instance.objectNode();
        point.set("id", p.get("id"));
        if (p.hasNonNull("vector")) {
          point.set("vector", p.get("vector"));
        }
        if (p.hasNonNull("payload")) {
          point.set("payload", p.get("payload"));
        }
        JsonNode key = custom ? p.get("shard_key") : null;
        String group = key == null || key.isNull() ? "" : key.toString();
        keys.put(group, key);
        byKey.computeIfAbsent(group, k -> JsonNodeFactory.instance.arrayNode()).add(point);
      }
      for (var group : byKey.entrySet()) {
        ObjectNode upsert = JsonNodeFactory.instance.objectNode();
        upsert.set("points", group.getValue());
        JsonNode key = keys.get(group.getKey());
        if (key != null && !key.isNull()) {
          upsert.set("shard_key", key);
        }
        call(settings.to(), settings.toApiKey(), "PUT", path + "/points?wait=true", upsert);
        sample.add(group.getValue().get(0).get("id"));
        copied += group.getValue().size();
      }
      JsonNode next = page.get("next_page_offset");
      progressOf.set("offset", next);
      progressOf.put("copied", copied);
      progressOf.set("sample", JSON.valueToTree(sample));
      progressOf.put("done", next == null || next.isNull());
      save();
      progress.printf(
          Locale.ROOT,
          "\r%s: %,d of %,d points (%d%%)",
          name,
          copied,
          total,
          total == 0 ? 100 : Math.min(100, copied * 100 / total));
      progress.flush();
    }
    progress.println();
    return verify(name, path, sample);
  }

  /**
   * Creates on the target the shard keys the source's collection has (from its cluster info) and
   * the target lacks.
   */
  private void shardKeys(String path) throws IOException, InterruptedException {
    Set<String> there = new LinkedHashSet<>();
    JsonNode targetShards =
        call(settings.to(), settings.toApiKey(), "GET", path + "/cluster", null);
    for (String side : List.of("local_shards", "remote_shards")) {
      targetShards.path(side).forEach(s -> there.add(s.path("shard_key").toString()));
    }
    JsonNode sourceShards =
        call(settings.from(), settings.fromApiKey(), "GET", path + "/cluster", null);
    for (String side : List.of("local_shards", "remote_shards")) {
      for (JsonNode s : sourceShards.path(side)) {
        JsonNode key = s.get("shard_key");
        if (key != null && !key.isNull() && there.add(key.toString())) {
          ObjectNode body = JsonNodeFactory.instance.objectNode();
          body.set("shard_key", key);
          call(settings.to(), settings.toApiKey(), "PUT", path + "/shards", body);
        }
      }
    }
  }

  /** Counts on both sides, then the sampled points compared. */
  private Outcome verify(String name, String path, List<JsonNode> sample)
      throws IOException, InterruptedException {
    long source = count(settings.from(), settings.fromApiKey(), path);
    long target = count(settings.to(), settings.toApiKey(), path);
    if (source != target) {
      return new Outcome(
          name, target, false, "counts differ: source " + source + ", target " + target);
    }
    if (!sample.isEmpty()) {
      ObjectNode get = JsonNodeFactory.instance.objectNode();
      get.set("ids", JSON.valueToTree(sample));
      get.put("with_payload", true);
      get.put("with_vector", true);
      JsonNode a = call(settings.from(), settings.fromApiKey(), "POST", path + "/points", get);
      JsonNode b = call(settings.to(), settings.toApiKey(), "POST", path + "/points", get);
      Map<String, JsonNode> byId = new HashMap<>();
      b.forEach(p -> byId.put(p.get("id").toString(), p));
      for (JsonNode p : a) {
        JsonNode q = byId.get(p.get("id").toString());
        if (q == null
            || !p.path("payload").equals(q.path("payload"))
            || !close(p.path("vector"), q.path("vector"))) {
          return new Outcome(
              name, target, false, "point " + p.get("id") + " differs between source and target");
        }
      }
    }
    return new Outcome(name, target, true, null);
  }

  /** Numbers within 1e-5 of each other, everything else equal. */
  static boolean close(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return Math.abs(a.asDouble() - b.asDouble()) <= 1e-5 * Math.max(1, Math.abs(a.asDouble()));
    }
    if (a.isArray() || a.isObject()) {
      if (a.getNodeType() != b.getNodeType() || a.size() != b.size()) {
        return false;
      }
      if (a.isArray()) {
        for (int i = 0; i < a.size(); i++) {
          if (!close(a.get(i), b.get(i))) {
            return false;
          }
        }
        return true;
      }
      for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!b.has(f) || !close(a.get(f), b.get(f))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /** Aliases of the source that name a migrated collection, created on the target. */
  private void aliases(List<String> names) throws IOException, InterruptedException {
    Set<String> migrated = new LinkedHashSet<>(names);
    ArrayNode actions = JsonNodeFactory.instance.arrayNode();
    JsonNode existing = call(settings.to(), settings.toApiKey(), "GET", "/aliases", null);
    Set<String> there = new LinkedHashSet<>();
    existing.path("aliases").forEach(a -> there.add(a.path("alias_name").asText()));
    for (JsonNode a :
        call(settings.from(), settings.fromApiKey(), "GET", "/aliases", null).path("aliases")) {
      String alias = a.path("alias_name").asText();
      if (migrated.contains(a.path("collection_name").asText()) && !there.contains(alias)) {
        ObjectNode create = actions.addObject().putObject("create_alias");
        create.put("collection_name", a.path("collection_name").asText());
        create.put("alias_name", alias);
      }
    }
    if (!actions.isEmpty()) {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.set("actions", actions);
      call(settings.to(), settings.toApiKey(), "POST", "/collections/aliases", body);
    }
  }

  /**
   * The body that creates a collection as {@code config} (from {@code GET /collections/{c}})
   * describes it: its parameters, graph, optimizer, WAL, quantization, strict mode and metadata,
   * with the nulls the info shows for unset fields left out.
   */
  static ObjectNode createBody(JsonNode config) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    JsonNode params = config.path("params");
    for (String f :
        List.of(
            "vectors",
            "sparse_vectors",
            "shard_number",
            "replication_factor",
            "write_consistency_factor",
            "on_disk_payload",
            "sharding_method")) {
      copy(params, f, body, f);
    }
    copy(config, "hnsw_config", body, "hnsw_config");
    copy(config, "optimizer_config", body, "optimizers_config");
    copy(config, "wal_config", body, "wal_config");
    copy(config, "quantization_config", body, "quantization_config");
    copy(config, "strict_mode_config", body, "strict_mode_config");
    copy(config, "metadata", body, "metadata");
    return body;
  }

  private static void copy(JsonNode from, String field, ObjectNode to, String as) {
    JsonNode v = withoutNulls(from.get(field));
    if (v != null) {
      to.set(as, v);
    }
  }

  private static JsonNode withoutNulls(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return null;
    }
    if (v.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode c = withoutNulls(e.getValue());
        if (c != null) {
          out.set(e.getKey(), c);
        }
      }
      return out;
    }
    return v;
  }

  private boolean exists(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = send(settings.to(), settings.toApiKey(), "GET", path, null);
    return r.statusCode() == 200;
  }

  private long count(URI base, String key, String path) throws IOException, InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("exact", true);
    return call(base, key, "POST", path + "/points/count", body).path("count").asLong();
  }

  private void save() throws IOException {
    Path tmp = settings.state().resolveSibling(settings.state().getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
    Files.move(
        tmp, settings.state(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The {@code result} of a call that must succeed. */
  private JsonNode call(URI base, String key, String method, String path, JsonNode body)
      throws IOException, InterruptedException {
    HttpResponse<String> r = send(base, key, method, path, body);
    JsonNode answer =
        r.body().isEmpty() ? JsonNodeFactory.instance.objectNode() : JSON.readTree(r.body());
    if (r.statusCode() / 100 != 2) {
      String why = answer.path("status").path("error").asText(r.body());
      throw new MigrationException(
          method + " " + base.resolve(path) + ": " + r.statusCode() + " " + why);
    }
    return answer.path("result");
  }

  private HttpResponse<String> send(URI base, String key, String method, String path, JsonNode body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(settings.timeout())
            .header("content-type", "application/json");
    if (key != null) {
      b.header("api-key", key);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(
                JSON.writeValueAsString(body), StandardCharsets.UTF_8));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** A call the source or the target refused: its method, address, status and error. */
  static final class MigrationException extends IOException {
    private static final long serialVersionUID = 1L;

    MigrationException(String message) {
      super(message);
    }
  }
}
