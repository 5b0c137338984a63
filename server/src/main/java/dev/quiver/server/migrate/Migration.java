package dev.quiver.server.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Copies collections from a running Qdrant or Quiver into a Quiver node through Qdrant's public API
 * only (the source over REST or gRPC, the target over REST): each collection's configuration
 * ({@code GET /collections/{c}}, created on the target as it was, so the target refuses by name
 * what it does not implement), its payload indexes ({@code payload_schema}), its shard keys (custom
 * sharding: each created, each point upserted under its own), its points with every vector and
 * payload (scrolled in pages, upserted with {@code wait}), and the aliases that name it. Resumable:
 * after each page the next scroll offset is written to a state file, and a rerun continues from
 * there (upserts are idempotent); a collection finished is skipped, and a source whose scroll does
 * not advance stops the run. Verified at the end: exact counts on both sides, and the first points
 * of up to {@value #MAX_SAMPLE} pages (a uniform sample of all of them) read back from both and
 * compared (payloads exactly, vectors to 1e-5, as a Cosine vector is normalised again on the way
 * in). Not thread-safe: one migration runs on its caller's thread.
 */
final class Migration {
  private static final ObjectMapper JSON = RestEndpoint.JSON;

  /** Points compared at the end: a uniform sample of the pages' first points. */
  static final int MAX_SAMPLE = 1_000;

  /** Sampled points read a call when they are compared. */
  private static final int VERIFY_BATCH = 250;

  /** What to copy, and how. */
  record Settings(List<String> collections, int batch, Path state) {}

  /** What became of one collection. */
  record Outcome(String collection, long points, boolean verified, String problem) {}

  private final Settings settings;
  private final Source source;
  private final RestEndpoint target;

  /** The target read back as a source is read, for the verification. */
  private final Source targetSide;

  private final PrintWriter progress;
  private final ObjectNode state;

  Migration(Settings settings, Source source, RestEndpoint target, PrintWriter progress)
      throws IOException {
    this.settings = settings;
    this.source = source;
    this.target = target;
    this.targetSide = new RestSource(target);
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
      names = source.collections();
    }
    List<Outcome> out = new ArrayList<>();
    for (String name : names) {
      out.add(collection(name));
    }
    aliases(names);
    return out;
  }

  private Outcome collection(String name) throws IOException, InterruptedException {
    String path = RestEndpoint.collectionPath(name);
    JsonNode info = source.collection(name);
    JsonNode config = info.path("config");
    boolean custom = "custom".equals(config.path("params").path("sharding_method").asText(""));
    ObjectNode progressOf = state.get(name) instanceof ObjectNode o ? o : state.putObject(name);
    if (!target.exists(path)) {
      target.call("PUT", path, createBody(config));
    }
    if (custom) {
      shardKeys(name, path);
    }
    JsonNode schema = info.path("payload_schema");
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("field_name", field.getKey());
      JsonNode params = field.getValue().path("params");
      body.set("field_schema", params.isObject() ? params : field.getValue().path("data_type"));
      target.call("PUT", path + "/index?wait=true", body);
    }
    long total = source.count(name);
    long copied = progressOf.path("copied").asLong(0);
    long groups = progressOf.path("groups").asLong(0);
    List<JsonNode> sample = new ArrayList<>();
    for (JsonNode id : progressOf.path("sample")) {
      sample.add(id);
    }
    Random pick = new Random(name.hashCode() * 31L + groups);
    while (!progressOf.path("done").asBoolean(false)) {
      JsonNode offset = progressOf.get("offset");
      JsonNode page = source.scroll(name, offset, settings.batch());
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
        target.call("PUT", path + "/points?wait=true", upsert);
        // a uniform sample of the pages' first points, at most MAX_SAMPLE (reservoir sampling)
        JsonNode first = group.getValue().get(0).get("id");
        groups++;
        if (sample.size() < MAX_SAMPLE) {
          sample.add(first);
        } else if (pick.nextLong(groups) < MAX_SAMPLE) {
          sample.set((int) pick.nextLong(MAX_SAMPLE), first);
        }
        copied += group.getValue().size();
      }
      JsonNode next = page.get("next_page_offset");
      if (next != null && !next.isNull() && (next.equals(offset) || byKey.isEmpty())) {
        throw new MigrationException(
            "the source's scroll of "
                + name
                + " does not advance (offset "
                + offset
                + ", next "
                + next
                + ", "
                + page.path("points").size()
                + " points); stopped");
      }
      progressOf.set("offset", next);
      progressOf.put("copied", copied);
      progressOf.put("groups", groups);
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
    return verify(name, sample);
  }

  /**
   * Creates on the target the shard keys the source's collection has (from its cluster info) and
   * the target lacks.
   */
  private void shardKeys(String name, String path) throws IOException, InterruptedException {
    Set<String> there = new LinkedHashSet<>();
    JsonNode targetShards = target.call("GET", path + "/cluster", null);
    for (String side : List.of("local_shards", "remote_shards")) {
      targetShards.path(side).forEach(s -> there.add(s.path("shard_key").toString()));
    }
    JsonNode sourceShards = source.cluster(name);
    for (String side : List.of("local_shards", "remote_shards")) {
      for (JsonNode s : sourceShards.path(side)) {
        JsonNode key = s.get("shard_key");
        if (key != null && !key.isNull() && there.add(key.toString())) {
          ObjectNode body = JsonNodeFactory.instance.objectNode();
          body.set("shard_key", key);
          target.call("PUT", path + "/shards", body);
        }
      }
    }
  }

  /** Counts on both sides, then the sampled points compared. */
  private Outcome verify(String name, List<JsonNode> sample)
      throws IOException, InterruptedException {
    long there = source.count(name);
    long here = targetSide.count(name);
    if (there != here) {
      return new Outcome(name, here, false, "counts differ: source " + there + ", target " + here);
    }
    for (int from = 0; from < sample.size(); from += VERIFY_BATCH) {
      List<JsonNode> ids = sample.subList(from, Math.min(sample.size(), from + VERIFY_BATCH));
      JsonNode a = source.points(name, ids);
      JsonNode b = targetSide.points(name, ids);
      Map<String, JsonNode> byId = new HashMap<>();
      b.forEach(p -> byId.put(p.get("id").toString(), p));
      for (JsonNode p : a) {
        JsonNode q = byId.get(p.get("id").toString());
        if (q == null
            || !close(p.path("payload"), q.path("payload"), 0)
            || !close(p.path("vector"), q.path("vector"), 1e-5)) {
          String what =
              q == null
                  ? "is missing from the target"
                  : !close(p.path("payload"), q.path("payload"), 0)
                      ? "has a different payload on the target"
                      : "has different vectors on the target";
          return new Outcome(name, here, false, "point " + p.get("id") + " " + what);
        }
      }
    }
    return new Outcome(name, here, true, null);
  }

  /**
   * The same JSON, whatever node types carry the numbers: integers equal in value, other numbers
   * within {@code tolerance} (relative, absolute below 1), everything else equal.
   */
  static boolean close(JsonNode a, JsonNode b, double tolerance) {
    if (a.isNumber() && b.isNumber()) {
      if (a.isIntegralNumber() && b.isIntegralNumber()) {
        return a.bigIntegerValue().equals(b.bigIntegerValue());
      }
      return Math.abs(a.asDouble() - b.asDouble())
          <= tolerance * Math.max(1, Math.abs(a.asDouble()));
    }
    if (a.isArray() || a.isObject()) {
      if (a.getNodeType() != b.getNodeType() || a.size() != b.size()) {
        return false;
      }
      if (a.isArray()) {
        for (int i = 0; i < a.size(); i++) {
          if (!close(a.get(i), b.get(i), tolerance)) {
            return false;
          }
        }
        return true;
      }
      for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!b.has(f) || !close(a.get(f), b.get(f), tolerance)) {
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
    Set<String> there = new LinkedHashSet<>();
    targetSide.aliases().path("aliases").forEach(a -> there.add(a.path("alias_name").asText()));
    for (JsonNode a : source.aliases().path("aliases")) {
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
      target.call("POST", "/collections/aliases", body);
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

  private void save() throws IOException {
    Path tmp = settings.state().resolveSibling(settings.state().getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
    Files.move(
        tmp, settings.state(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
