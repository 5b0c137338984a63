package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class VectorNamesTest {
  private static final VectorParams FOUR = new VectorParams(4, Distance.DOT, null);

  @Test
  void theLongestNamesOfWideCharactersSurviveTheMetadataRecord() throws Exception {
    String dense = "\u6771".repeat(VectorNames.MAX_LENGTH);
    String sparse = "\u4eac".repeat(VectorNames.MAX_LENGTH);
    assertThat(VectorNames.problem(dense)).isNull();
    CollectionConfig config =
        config(Map.of(dense, FOUR), Map.of(sparse, SparseVectorParams.DEFAULT));
    assertThat(
            ShardCodec.read(
                ShardCodec.write(out -> ConfigCodec.write(out, config)), ConfigCodec::read))
        .isEqualTo(config);
  }

  @Test
  void refusesLongNamesAndControlCharactersBeforeAnythingIsWritten() {
    String tooLong = "x".repeat(VectorNames.MAX_LENGTH + 1);
    assertThat(VectorNames.problem(tooLong)).contains("at most 255");
    assertThat(VectorNames.problem("a\nb")).contains("control characters");
    assertThatThrownBy(() -> config(Map.of(tooLong, FOUR), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vector name");
    assertThatThrownBy(() -> config(Map.of("d", FOUR), Map.of(tooLong, SparseVectorParams.DEFAULT)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vector name");
  }

  private static CollectionConfig config(
      Map<String, VectorParams> dense, Map<String, SparseVectorParams> sparse) {
    return new CollectionConfig(
            dense, 1, 1, 1, false, HnswConfig.DEFAULT, OptimizersConfig.DEFAULT, WalConfig.DEFAULT)
        .withSparseVectors(sparse);
  }
}
