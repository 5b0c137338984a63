package dev.quiver.server.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration's own bounds, against a source in memory and a target stubbed on loopback: the
 * verification compares a sample of at most {@value Migration#MAX_SAMPLE} pages, read a few hundred
 * ids a call, however many pages there were; a source whose scroll does not advance stops the run
 * instead of looping.
 */
class MigrationTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @TempDir Path dir;
  private HttpServer target;
  private final Map<Long, JsonNode> stored = new TreeMap<>();
  private final AtomicInteger largestRead = new AtomicInteger();

  @BeforeEach
  void startTarget() throws Exception {
    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          String method = exchange.getRequestMethod();
          JsonNode body =
              RestEndpoint.JSON.readTree(
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                      + " ");
          JsonNode result;
          int status = 200;
          synchronized (stored) {
            if (method.equals("GET") && path.equals("/collections/c")) {
              status = 404;
              result = F.nullNode();
            } else if (path.equals("/collections/c/points") && method.equals("PUT")) {
              body.path("points").forEach(p -> stored.put(p.get("id").asLong(), p));
              result = F.objectNode().put("status", "completed");
            } else if (path.equals("/collections/c/points/count")) {
              result = F.objectNode().put("count", stored.size());
            } else if (path.equals("/collections/c/points")) {
              largestRead.accumulateAndGet(body.path("ids").size(), Math::max);
              ArrayNode out = F.arrayNode();
              body.path("ids").forEach(id -> out.add(stored.get(id.asLong())));
              result = out;
            } else if (path.equals("/aliases")) {
              result = F.objectNode().set("aliases", F.arrayNode());
            } else {
              result = F.booleanNode(true);
            }
          }
          byte[] out =
              RestEndpoint.JSON.writeValueAsBytes(
                  F.objectNode()
                      .put("status", status == 200 ? "ok" : "error")
                      .set("result", result));
          exchange.sendResponseHeaders(status, out.length);
          exchange.getResponseBody().write(out);
          exchange.close();
        });
    target.start();
  }

  @AfterEach
  void stopTarget() {
    target.stop(0);
  }

  private RestEndpoint endpoint() {
    return new RestEndpoint(
        URI.create("http://127.0.0.1:" + target.getAddress().getPort()),
        null,
        HttpClient.newHttpClient(),
        Duration.ofSeconds(10));
  }

  private static ObjectNode point(long id) {
    ObjectNode p = F.objectNode().put("id", id);
    p.putArray("vector").add(id).add(1);
    p.putObject("payload").put("n", id);
    return p;
  }

  /** A source of {@code n} points whose scroll pages go by id (or stand still when asked to). */
  private static Source source(int n, boolean stuck) {
    return new Source() {
      @Override
      public List<String> collections() {
        return List.of("c");
      }

      @Override
      public JsonNode collection(String name) {
        ObjectNode info = F.objectNode();
        info.putObject("config").putObject("params").putObject("vectors").put("size", 2);
        info.putObject("payload_schema");
        return info;
      }

      @Override
      public JsonNode cluster(String name) {
        return F.objectNode();
      }

      @Override
      public long count(String name) {
        return n;
      }

      @Override
      public JsonNode scroll(String name, JsonNode offset, int limit) {
        long from = offset == null || offset.isNull() ? 0 : offset.asLong();
        ObjectNode page = F.objectNode();
        ArrayNode points = page.putArray("points");
        for (long id = from; id < Math.min(n, from + limit); id++) {
          points.add(point(id));
        }
        long next = stuck ? from : from + limit;
        page.set("next_page_offset", next < n ? F.numberNode(next) : F.nullNode());
        return page;
      }

      @Override
      public JsonNode points(String name, List<JsonNode> ids) {
        ArrayNode out = F.arrayNode();
        ids.forEach(id -> out.add(point(id.asLong())));
        return out;
      }

      @Override
      public JsonNode aliases() {
        return F.objectNode().set("aliases", F.arrayNode());
      }
    };
  }

  @Test
  void manyPagesAreVerifiedByABoundedSample() throws Exception {
    Migration m =
        new Migration(
            new Migration.Settings(List.of(), 2, dir.resolve("state.json")),
            source(5_000, false),
            endpoint(),
            new PrintWriter(new StringWriter()));
    List<Migration.Outcome> outcomes = m.run();
    assertThat(outcomes).hasSize(1);
    assertThat(outcomes.getFirst().verified()).as(outcomes.getFirst().problem()).isTrue();
    assertThat(stored).hasSize(5_000);
    assertThat(RestEndpoint.JSON.readTree(dir.resolve("state.json").toFile()).at("/c/sample"))
        .hasSize(Migration.MAX_SAMPLE);
    assertThat(largestRead.get()).isPositive().isLessThanOrEqualTo(250);
  }

  @Test
  void aScrollThatDoesNotAdvanceStopsTheRun() throws Exception {
    Migration m =
        new Migration(
            new Migration.Settings(List.of("c"), 10, dir.resolve("state.json")),
            source(100, true),
            endpoint(),
            new PrintWriter(new StringWriter()));
    assertThatThrownBy(m::run)
        .isInstanceOf(MigrationException.class)
        .hasMessageContaining("does not advance");
  }
}
