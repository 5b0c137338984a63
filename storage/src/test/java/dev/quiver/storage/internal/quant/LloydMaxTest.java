package dev.quiver.storage.internal.quant;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The iteration finds Max's (1960) tabulated optimal levels of a standard normal. */
class LloydMaxTest {
  private static final Offset<Float> TABLE = Offset.offset(2e-3f);

  @Test
  void levelsMatchMaxsTable() {
    float[] two = LloydMax.levels(2);
    assertThat(two[1]).isCloseTo((float) Math.sqrt(2 / Math.PI), TABLE);
    assertThat(two[0]).isCloseTo(-two[1], TABLE);
    float[] four = LloydMax.levels(4);
    assertThat(four[2]).isCloseTo(0.4528f, TABLE);
    assertThat(four[3]).isCloseTo(1.5104f, TABLE);
    float[] sixteen = LloydMax.levels(16);
    assertThat(sixteen[8]).isCloseTo(0.1284f, TABLE);
    assertThat(sixteen[15]).isCloseTo(2.7326f, Offset.offset(5e-3f));
    for (int i = 0; i < 8; i++) {
      assertThat(sixteen[i]).isCloseTo(-sixteen[15 - i], TABLE);
    }
  }
}
