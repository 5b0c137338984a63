package dev.quiver.server.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.TestSeed;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonHeapCostTest {
  private static long cost(String json) {
    return JsonHeapCost.of(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void emptyObjectsCostTheirNodesNotTheirBytes() {
    String empties = "[" + "{},".repeat(10_000) + "{}]";
    assertThat(cost(empties)).isGreaterThanOrEqualTo(10_001L * JsonHeapCost.OBJECT);
    assertThat(cost(empties)).isGreaterThan(30L * empties.length());
  }

  @Test
  void anArrayOfNumbersCostsAboutItsLength() {
    StringBuilder b = new StringBuilder("[0.5");
    for (int i = 1; i < 10_000; i++) {
      b.append(",0.123456");
    }
    String numbers = b.append(']').toString();
    // a double each in the tree: 80 KB; the estimate stays within twice the bytes
    assertThat(cost(numbers)).isGreaterThanOrEqualTo(10_000L * 8).isLessThan(2L * numbers.length());
  }

  @Test
  void membersAndStringsCostTheirObjectsAndCharacters() {
    assertThat(cost("{\"a\":1}"))
        .isEqualTo(
            JsonHeapCost.OBJECT + JsonHeapCost.MEMBER + 2 * JsonHeapCost.QUOTE + 3); // a, 1, }
    // non-ASCII characters may become UTF-16: two bytes a byte
    assertThat(cost("\"東京\"")).isEqualTo(2 * JsonHeapCost.QUOTE + 12);
    assertThat(cost(" \n\t\r")).isZero();
  }

  /** The lane-wise count gives the byte-at-a-time sum, for every byte value at every position. */
  @Test
  void theVectorPassWeighsAsTheByteAtATimeSum() {
    Random r = new Random(TestSeed.of("JsonHeapCostTest.theVectorPassWeighsAsTheByteAtATimeSum"));
    byte[] special = "{}[]:,\" \n\r\t0aé".getBytes(StandardCharsets.UTF_8);
    for (int n = 0; n < 300; n++) {
      byte[] body = new byte[n + r.nextInt(4) * 257];
      for (int k = 0; k < body.length; k++) {
        body[k] = r.nextBoolean() ? special[r.nextInt(special.length)] : (byte) r.nextInt(256);
      }
      assertThat(JsonHeapCost.of(body))
          .as("%d bytes", body.length)
          .isEqualTo(JsonHeapCost.weighed(body));
    }
  }
}
