package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.request.RequestException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code POST /audit/logs}: reads this node's audit files newest first and returns the entries that
 * match {@code time_from} (inclusive), {@code time_to} (exclusive) and exact-value {@code filters}
 * on any entry field, at most {@code limit} (1..10000, default 100). Qdrant's field names {@code
 * api} and {@code remote} are accepted for {@code path} and {@code client_ip}. Stateless (static
 * methods only), so thread-safe.
 */
public final class AuditQuery {
  private static final Map<String, String> ALIASES = Map.of("api", "path", "remote", "client_ip");

  private AuditQuery() {}

  /**
   * A peer's side of a cluster-wide query: this node's matching entries as a JSON array ({@code []}
   * without an audit log or for a query that does not parse).
   */
  public static byte[] answer(Path dir, byte[] query) {
    if (dir == null) {
      return "[]".getBytes(StandardCharsets.UTF_8);
    }
    try {
      return Json.bytes(run(dir, Json.parse(query)).get("entries"));
    } catch (RequestException e) {
      return "[]".getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * This node's entries merged with the peers' answers ({@link #answer}), newest first, at most the
   * query's limit: what {@code POST /audit/logs} returns in a cluster, as in Qdrant.
   */
  static JsonNode merged(JsonNode local, JsonNode body, Collection<byte[]> peers) {
    if (peers.isEmpty()) {
      return local;
    }
    List<JsonNode> all = new ArrayList<>();
    local.get("entries").forEach(all::add);
    for (byte[] answer : peers) {
      try {
        JsonNode entries = Json.MAPPER.readTree(answer);
        if (entries != null && entries.isArray()) {
          entries.forEach(all::add);
        }
      } catch (IOException e) {
        // a peer's answer that does not parse adds nothing
      }
    }
    all.sort(Comparator.comparing((JsonNode e) -> e.path("timestamp").asText()).reversed());
    ObjectNode out = Json.MAPPER.createObjectNode();
    ArrayNode entries = out.putArray("entries");
    all.stream().limit(limit(body)).forEach(entries::add);
    return out;
  }

  private static int limit(JsonNode body) {
    JsonNode l = body.get("limit");
    return l == null || !l.isIntegralNumber() ? 100 : l.asInt();
  }

  static JsonNode run(Path dir, JsonNode body) {
    if (dir == null) {
      throw new RequestException.Unsupported("Bad request: Audit logging is not enabled");
    }
    Instant from = time(body, "time_from");
    Instant to = time(body, "time_to");
    int limit = 100;
    if (body.hasNonNull("limit")) {
      JsonNode l = body.get("limit");
      if (!l.isIntegralNumber() || l.asLong() < 1 || l.asLong() > 10_000) {
        throw new RequestException.Invalid(
            "JSON body", "limit", "value " + l + " invalid, must be from 1 to 10000");
      }
      limit = l.asInt();
    }
    JsonNode filters = body.path("filters");
    ObjectNode out = Json.MAPPER.createObjectNode();
    ArrayNode entries = out.putArray("entries");
    for (Path file : files(dir)) {
      int want = limit - entries.size();
      if (want <= 0) {
        break;
      }
      // read forward, keep the file's last `want` matches: memory is bounded by the limit and
      // the line cap, however large the file
      ArrayDeque<JsonNode> newest = new ArrayDeque<>(Math.min(want, 1024));
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.length() > MAX_LINE) {
            continue; // not written by this version (entries are clipped): skipped
          }
          JsonNode e;
          try {
            e = Json.MAPPER.readTree(line);
          } catch (IOException ex) {
            continue; // a line cut by a crash
          }
          if (e != null && matches(e, from, to, filters)) {
            if (newest.size() == want) {
              newest.removeFirst();
            }
            newest.addLast(e);
          }
        }
      } catch (NoSuchFileException gone) {
        continue; // rolled away meanwhile
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      newest.descendingIterator().forEachRemaining(entries::add);
    }
    return out;
  }

  /** Longer lines are skipped: entries are clipped well below it when written. */
  static final int MAX_LINE = 64 * 1024;

  /** The audit files, newest first (by modification time: names carry a rollover index too). */
  private static List<Path> files(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("audit\\..+\\.log"))
          .sorted(Comparator.comparing(AuditQuery::modified).reversed())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private static boolean matches(JsonNode e, Instant from, Instant to, JsonNode filters) {
    Instant t;
    try {
      t = Instant.parse(e.path("timestamp").asText());
    } catch (DateTimeParseException ex) {
      return false;
    }
    if ((from != null && t.isBefore(from)) || (to != null && !t.isBefore(to))) {
      return false;
    }
    List<Map.Entry<String, JsonNode>> fs = new ArrayList<>();
    filters.properties().forEach(fs::add);
    for (var f : fs) {
      String field = ALIASES.getOrDefault(f.getKey(), f.getKey());
      JsonNode v = e.get(field);
      if (v == null || !v.asText().equals(f.getValue().asText())) {
        return false;
      }
    }
    return true;
  }

  private static Instant time(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    try {
      return Instant.parse(n.asText());
    } catch (DateTimeParseException e) {
      throw new RequestException.Malformed(
          "Format error in JSON body: `" + field + "` is not an RFC 3339 time");
    }
  }
}
