package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Payload index options over REST as a Qdrant user sets them: an index placed on disk ({@code
 * on_disk}, {@code memory}) answers as one on the heap and keeps its postings in files, a keyword
 * index with {@code prefix} serves {@code match.prefix}, an integer index without {@code lookup}
 * still filters, every option is reported back as given, and options of another type are refused by
 * name. Answers are checked against the OpenAPI document.
 */
class PayloadIndexOptionsIT extends SingleNodeFixture {
  private static final String[] WORDS = {"apple", "apricot", "banana", "app", "Apple"};
  private static final int POINTS = 400;

  private Rest rest;

  private List<Long> scroll(String condition) throws Exception {
    List<Long> out = new ArrayList<>();
    Object offset = null;
    for (int page = 0; page < 20; page++) {
      String body =
          "{\"filter\":{\"must\":["
              + condition
              + "]},\"limit\":100"
              + (offset == null ? "" : ",\"offset\":" + offset)
              + "}";
      JsonNode r =
          rest.call("POST", C + "/points/scroll", "/collections/t/points/scroll", body).result();
      out.addAll(ids(r.get("points")));
      if (r.get("next_page_offset").isNull()) {
        return out;
      }
      offset = r.get("next_page_offset").asLong();
    }
    throw new AssertionError("more pages than points");
  }

  private void index(String field, String schema) throws Exception {
    createIndex(rest, "t", field, schema);
  }

  private static List<Long> expected(IntPredicate p) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < POINTS; i++) {
      if (p.test(i)) {
        out.add((long) i);
      }
    }
    return out;
  }

  private long indexFiles() throws Exception {
    try (Stream<Path> files = Files.walk(work.resolve("storage"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".qpi")).count();
    }
  }

  @Test
  void indexOptionsActAsQdrantDefinesThem() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    rest = new Rest(node.httpPort, openApi);
    rest.call("PUT", C, "/collections/t", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 0; i < POINTS; i++) {
      points
          .append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[1,")
          .append(i)
          .append("],\"payload\":{\"w\":\"")
          .append(WORDS[i % WORDS.length])
          .append("\",\"n\":")
          .append(i)
          .append("}}");
    }
    rest.call("PUT", C + "/points", "/collections/t/points?wait=true", points + "]}");
    String prefixAp = "{\"key\":\"w\",\"match\":{\"prefix\":\"ap\"}}";
    List<Long> startsAp = expected(i -> WORDS[i % WORDS.length].startsWith("ap"));
    assertThat(scroll(prefixAp)).as("without an index: a scan").isEqualTo(startsAp);

    index("w", "{\"type\":\"keyword\",\"prefix\":true,\"on_disk\":true}");
    index("n", "{\"type\":\"integer\",\"lookup\":false,\"memory\":\"cold\"}");
    assertThat(indexFiles()).as("both indexes keep their postings in files").isEqualTo(2);
    assertThat(scroll(prefixAp)).isEqualTo(startsAp);
    assertThat(scroll("{\"key\":\"w\",\"match\":{\"prefix\":\"A\"}}"))
        .isEqualTo(expected(i -> i % WORDS.length == 4));
    assertThat(scroll("{\"key\":\"w\",\"match\":{\"value\":\"app\"}}"))
        .isEqualTo(expected(i -> i % WORDS.length == 3));
    assertThat(scroll("{\"key\":\"n\",\"range\":{\"gte\":10,\"lt\":20}}"))
        .isEqualTo(expected(i -> i >= 10 && i < 20));
    assertThat(scroll("{\"key\":\"n\",\"match\":{\"value\":42}}")).containsExactly(42L);

    // rewrites and deletes go through the indexes' heap changes
    rest.call(
        "POST",
        C + "/points/payload",
        "/collections/t/points/payload?wait=true",
        "{\"payload\":{\"w\":\"apex\"},\"points\":[2,7]}");
    rest.call(
        "POST",
        C + "/points/delete",
        "/collections/t/points/delete?wait=true",
        "{\"points\":[0,1]}");
    List<Long> now = new ArrayList<>(startsAp);
    now.removeAll(List.of(0L, 1L));
    now.add(2L);
    now.add(7L);
    now.sort(null);
    assertThat(scroll(prefixAp)).isEqualTo(now);

    JsonNode schema = rest.call("GET", C, "/collections/t", null).result().get("payload_schema");
    assertThat(schema.get("w").get("params").get("prefix").asBoolean()).isTrue();
    assertThat(schema.get("w").get("params").get("on_disk").asBoolean()).isTrue();
    assertThat(schema.get("n").get("params").get("memory").asText()).isEqualTo("cold");
    assertThat(schema.get("n").get("params").get("lookup").asBoolean()).isFalse();
    assertThat(schema.get("w").get("points").asLong()).isEqualTo(POINTS - 2);

    rest.refused(
        "PUT",
        "/collections/t/index",
        "{\"field_name\":\"b\",\"field_schema\":{\"type\":\"bool\",\"prefix\":true}}",
        400,
        "`field_schema.prefix` is not supported by Quiver");
    rest.refused(
        "PUT",
        "/collections/t/index",
        "{\"field_name\":\"b\",\"field_schema\":{\"type\":\"keyword\",\"memory\":\"warm\"}}",
        400,
        "unknown variant `warm`");

    // dropping an on-disk index deletes its files
    rest.call("DELETE", C + "/index/{field_name}", "/collections/t/index/w?wait=true", null);
    assertThat(indexFiles()).isEqualTo(1);
    assertThat(scroll(prefixAp)).isEqualTo(now);
  }
}
