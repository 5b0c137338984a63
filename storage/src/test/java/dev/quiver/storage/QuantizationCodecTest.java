package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every quantization setting survives the collection configuration's binary form (the metadata file
 * and the cluster's Raft entries), at the collection and per vector; a configuration written
 * without quantization reads as before.
 */
class QuantizationCodecTest {
  private static final List<Quantization> ALL =
      List.of(
          new Quantization.Scalar(null, null, null),
          new Quantization.Scalar(0.99f, true, SparseVectorParams.Memory.PINNED),
          new Quantization.Binary(null, null, null, null),
          new Quantization.Binary(
              Quantization.BinaryEncoding.ONE_AND_HALF_BITS,
              Quantization.BinaryQueryEncoding.SCALAR4BITS,
              false,
              SparseVectorParams.Memory.COLD),
          new Quantization.Product("x64", null, SparseVectorParams.Memory.CACHED),
          new Quantization.Turbo(null, true, null),
          new Quantization.Turbo("bits1_5", null, null));

  @Test
  void everySettingRoundTripsAtBothLevels() throws Exception {
    for (Quantization q : ALL) {
      CollectionConfig config =
          new CollectionConfig(
                  Map.of(
                      "a",
                      new VectorParams(8, Distance.DOT, null).withQuantization(q),
                      "b",
                      new VectorParams(4, Distance.COSINE, true)),
                  1,
                  1,
                  1,
                  false,
                  HnswConfig.DEFAULT,
                  OptimizersConfig.DEFAULT,
                  WalConfig.DEFAULT)
              .withQuantization(q);
      assertThat(roundTrip(config)).as("%s", q).isEqualTo(config);
      assertThat(roundTrip(config).quantizationOf("b")).isEqualTo(q);
      assertThat(q.codeBytes(384)).as("%s", q).isPositive();
    }
    CollectionConfig plain =
        new CollectionConfig(
            Map.of("", new VectorParams(4, Distance.DOT, null)),
            1,
            1,
            1,
            false,
            HnswConfig.DEFAULT,
            OptimizersConfig.DEFAULT,
            WalConfig.DEFAULT);
    assertThat(roundTrip(plain).quantization()).isNull();
  }

  @Test
  void settingsOutsideTheirRangesAreRefused() {
    assertThatThrownBy(() -> new Quantization.Scalar(0.4f, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Quantization.Product("x3", null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Quantization.Turbo("bits3", null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new VectorParams(4, Distance.DOT, null)
                    .withQuantization(new Quantization.Disabled()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static CollectionConfig roundTrip(CollectionConfig c) throws Exception {
    return ShardCodec.read(ShardCodec.write(out -> ConfigCodec.write(out, c)), ConfigCodec::read);
  }
}
