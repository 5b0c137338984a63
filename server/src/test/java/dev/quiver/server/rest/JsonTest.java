package dev.quiver.server.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.quiver.server.request.RequestException;
import dev.quiver.testing.TestSeed;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The REST edge's tree reader: the tree Jackson would build, with arrays of numbers held as
 * primitives.
 */
class JsonTest {
  private static JsonNode jackson(String json) throws Exception {
    return Json.MAPPER.readTree(json.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode ours(String json) {
    return Json.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theTreeIsJacksonsTreeForEveryKindOfValue() throws Exception {
    for (String json :
        new String[] {
          "{\"points\":[{\"id\":1,\"vector\":[0.25,-1,3e-3,7,1.0E10],\"payload\":{\"a\":[1,2]}}]}",
          "[1, 2, 3]",
          "[1, 2.5, \"x\", null, true, [4, 5.5], {\"k\": []}]",
          "[2147483647, -2147483648]",
          "[2147483648, 1]", // a long: held as nodes
          "[18446744073709551615]", // a big integer
          "[1.0, 12345678901234567890]",
          "[]",
          "[[], [1], [[2.5]]]",
          "{\"a\": 1, \"a\": 2}", // the last duplicate wins, as in Jackson's tree
          "\"text\"",
          "3.5",
          "null",
          "{\"deep\": {\"er\": {\"est\": [0.1, 0.2]}}}",
          "[1e400, -1e400]",
        }) {
      JsonNode got = ours(json);
      assertThat(got).as(json).isEqualTo(jackson(json));
      assertThat(Json.MAPPER.writeValueAsString(got))
          .as(json)
          .isEqualTo(Json.MAPPER.writeValueAsString(jackson(json)));
    }
  }

  /** Random documents of nested objects, arrays and numbers read to Jackson's tree. */
  @Test
  void randomDocumentsReadAsJacksonReadsThem() throws Exception {
    Random r = new Random(TestSeed.of("JsonTest.randomDocumentsReadAsJacksonReadsThem"));
    for (int i = 0; i < 500; i++) {
      StringBuilder json = new StringBuilder();
      value(r, json, 0);
      assertThat(ours(json.toString())).as(json.toString()).isEqualTo(jackson(json.toString()));
    }
  }

  private static void value(Random r, StringBuilder out, int depth) {
    int kind = depth > 4 ? 2 + r.nextInt(4) : r.nextInt(6);
    switch (kind) {
      case 0 -> {
        out.append('{');
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          out.append(i > 0 ? "," : "").append("\"k").append(r.nextInt(3)).append("\":");
          value(r, out, depth + 1);
        }
        out.append('}');
      }
      case 1 -> {
        out.append('[');
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
          out.append(i > 0 ? "," : "");
          value(r, out, depth + 1);
        }
        out.append(']');
      }
      case 2 -> {
        out.append('[');
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
          out.append(i > 0 ? "," : "").append(number(r));
        }
        out.append(']');
      }
      case 3 -> out.append(number(r));
      case 4 -> out.append(r.nextBoolean() ? "true" : "null");
      default -> out.append("\"s").append(r.nextInt(100)).append('"');
    }
  }

  private static String number(Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> Integer.toString(r.nextInt());
      case 1 -> Long.toString(r.nextLong());
      case 2 -> Double.toString(r.nextGaussian());
      case 3 -> Float.toString((float) r.nextGaussian());
      default -> Integer.toString(r.nextInt(10));
    };
  }

  /**
   * Numbers of every shape the reader's quick path takes or hands on (digits on either side of the
   * point, leading zeros in the fraction, runs of eight digits and the digits after them,
   * significands either side of 2^53, exponents of every length) read to the doubles Jackson reads.
   */
  @Test
  void numbersReadAsJacksonReadsThem() throws Exception {
    Random r = new Random(TestSeed.of("JsonTest.numbersReadAsJacksonReadsThem"));
    for (int array = 0; array < 60; array++) {
      StringBuilder json = new StringBuilder("[");
      for (int k = 0; k < 400; k++) {
        json.append(k > 0 ? (r.nextInt(8) == 0 ? " , " : ",") : "").append(decimal(r));
      }
      String text = json.append(']').toString();
      assertThat(ours(text)).as(text).isEqualTo(jackson(text));
    }
    // floats as clients print them: held as primitives, each the float that was printed
    float[] printed = new float[4096];
    StringBuilder floats = new StringBuilder("[");
    for (int k = 0; k < printed.length; k++) {
      printed[k] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 6));
      floats.append(k > 0 ? "," : "").append(printed[k]);
    }
    JsonNode held = ours(floats.append(']').toString());
    assertThat(held).isInstanceOf(NumberArray.class);
    assertThat(((NumberArray) held).floats()).containsExactly(printed);
    for (String edge :
        new String[] {
          "[0.12345678]",
          "[0.123456789]",
          "[-0.0]",
          "[0]",
          "[-0]",
          "[9007199254740993.0]",
          "[0.9007199254740993]",
          "[123456789012345678.5]",
          "[1.00000000000000000001]",
          "[1e22, 1e23, 1e-22, 1e-23, 4.9e-324, 1.7976931348623157e308]",
          "[999999999, -999999999]"
        }) {
      assertThat(ours(edge)).as(edge).isEqualTo(jackson(edge));
    }
  }

  private static String decimal(Random r) {
    StringBuilder n = new StringBuilder();
    if (r.nextBoolean()) {
      n.append('-');
    }
    int whole = r.nextInt(4) == 0 ? 0 : r.nextInt(19);
    if (whole == 0) {
      n.append('0');
    } else {
      n.append(1 + r.nextInt(9));
      for (int d = 1; d < whole; d++) {
        n.append(r.nextInt(10));
      }
    }
    if (r.nextInt(6) > 0) {
      n.append('.').append("0".repeat(r.nextInt(3) == 0 ? r.nextInt(12) : 0));
      int fraction = 1 + r.nextInt(20);
      for (int d = 0; d < fraction; d++) {
        n.append(r.nextInt(10));
      }
    }
    if (r.nextInt(5) == 0) {
      n.append(r.nextBoolean() ? 'e' : 'E');
      n.append(
          switch (r.nextInt(3)) {
            case 0 -> "";
            case 1 -> "+";
            default -> "-";
          });
      n.append(r.nextInt(r.nextBoolean() ? 30 : 400));
    }
    return n.toString();
  }

  @Test
  void anArrayOfNumbersIsHeldAsPrimitivesAndReadsAsNodes() {
    JsonNode v = ours("[0.5, 2, -3.25]");
    assertThat(v).isInstanceOf(NumberArray.class);
    assertThat(((NumberArray) v).floats()).containsExactly(0.5f, 2f, -3.25f);
    assertThat(v.get(1)).isEqualTo(IntNode.valueOf(2));
    assertThat(v.get(1).isIntegralNumber()).isTrue();
    assertThat(v.get(0).isIntegralNumber()).isFalse();
    assertThat(ours("[1, 2147483648]")).isNotInstanceOf(NumberArray.class);
    assertThat(ours("[1, \"x\"]")).isNotInstanceOf(NumberArray.class);
  }

  @Test
  void aChangedNumberArrayIsReadAsNodes() {
    ArrayNode v = (ArrayNode) ours("[1, 2]");
    v.set(0, Json.MAPPER.getNodeFactory().textNode("x"));
    v.add(3);
    assertThat(((NumberArray) v).floats()).isNull();
    assertThat(v.toString()).isEqualTo("[\"x\",2,3]");
  }

  @Test
  void badDocumentsAreMalformed() throws Exception {
    assertThat(ours("  ")).isEqualTo(Json.MAPPER.createObjectNode());
    assertThat(ours("")).isEqualTo(Json.MAPPER.createObjectNode());
    for (String bad : new String[] {"{\"a\":1} {", "[1] 2", "[1, 2", "{\"a\":}", "[1,]"}) {
      assertThatThrownBy(() -> ours(bad))
          .as(bad)
          .isInstanceOf(RequestException.Malformed.class)
          .hasMessageStartingWith("Format error in JSON body: ");
    }
    String deep = "[".repeat(200) + "]".repeat(200);
    assertThatThrownBy(() -> ours(deep))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("recursion limit exceeded");
    String objects = "{\"a\":".repeat(129) + "1" + "}".repeat(129);
    assertThatThrownBy(() -> ours(objects)).hasMessageContaining("recursion limit exceeded");
    String deepEnough = "[".repeat(128) + "]".repeat(128);
    assertThat(ours(deepEnough)).isEqualTo(Json.MAPPER.readTree(deepEnough));
  }

  /** Refusals worded as Qdrant's JSON reader words them, with where they are. */
  @Test
  void errorsNameWhatIsWrongAndWhere() {
    String[][] cases = {
      {"{\"a\":}", "expected value at line 1 column 6"},
      {"[1, 2", "EOF while parsing a list at line 1 column 6"},
      {"{\"a\": 1", "EOF while parsing an object at line 1 column 8"},
      {"[1,]", "trailing comma at line 1 column 4"},
      {"{\"a\":1,}", "trailing comma at line 1 column 8"},
      {"{a:1}", "key must be a string at line 1 column 2"},
      {"{\"a\" 1}", "expected `:` at line 1 column 6"},
      {"[1 2]", "expected `,` or `]` at line 1 column 4"},
      {"{\"a\":1 \"b\":2}", "expected `,` or `}` at line 1 column 8"},
      {"[1]\n  x", "trailing characters at line 2 column 3"},
      {"[01]", "invalid number at line 1 column 3"},
      {"[1.]", "invalid number at line 1 column 4"},
      {"[1e]", "invalid number at line 1 column 4"},
      {"[-]", "invalid number at line 1 column 3"},
      {"[tru]", "expected value at line 1 column 5"},
      {"\"ab", "EOF while parsing a string at line 1 column 4"},
      {"\"a\\qb\"", "invalid escape at line 1 column 4"},
      {"\"\\ud800x\"", "lone leading surrogate in hex escape at line 1 column 8"},
      {
        "\"a\tb\"",
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3"
      },
      {"[" + "1".repeat(1001) + "]", "number longer than 1000 characters at line 1 column 2"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> ours(c[0]))
          .as(c[0])
          .isInstanceOf(RequestException.Malformed.class)
          .hasMessage("Format error in JSON body: " + c[1]);
    }
    byte[] badUtf8 = {'"', 'a', (byte) 0xC3, (byte) 0x28, '"'};
    assertThatThrownBy(() -> Json.parse(badUtf8))
        .hasMessageStartingWith("Format error in JSON body: invalid unicode code point");
  }

  @Test
  void stringsReadTheirEscapesAndTheirUtf8() throws Exception {
    for (String json :
        new String[] {
          "\"plain\"",
          "\"caf\u00e9 \u6771\u4eac \ud83d\ude00\"", // 2-, 3- and 4-byte UTF-8
          "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
          "\"\\u00e9\\u6771\\ud83d\\ude00 x\"",
          "{\"k\\u0041\": \"v\"}",
          "\"\"",
        }) {
      assertThat(ours(json)).as(json).isEqualTo(jackson(json));
    }
  }

  /**
   * Documents made wrong at a random place (a byte replaced, dropped or repeated): whatever Jackson
   * refuses is refused, and whatever it reads is read to the same tree.
   */
  @Test
  void damagedDocumentsAreRefusedAsJacksonRefusesThem() throws Exception {
    Random r = new Random(TestSeed.of("JsonTest.damagedDocuments"));
    String alphabet = "{}[],:\"0123456789.-+eE \\atrunlsfx";
    for (int i = 0; i < 3000; i++) {
      StringBuilder json = new StringBuilder();
      value(r, json, 0);
      int at = r.nextInt(json.length());
      switch (r.nextInt(3)) {
        case 0 -> json.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
        case 1 -> json.deleteCharAt(at);
        default -> json.insert(at, json.charAt(at));
      }
      String doc = json.toString();
      JsonNode want;
      try {
        want = Json.MAPPER.readTree(doc.getBytes(StandardCharsets.UTF_8));
      } catch (Exception e) {
        want = null;
      }
      if (want == null || want.isMissingNode()) {
        if (!doc.isBlank()) {
          assertThatThrownBy(() -> ours(doc))
              .as(doc)
              .isInstanceOf(RequestException.Malformed.class);
        }
      } else {
        assertThat(ours(doc)).as(doc).isEqualTo(want);
      }
    }
  }
}
