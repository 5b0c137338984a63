package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * These enums are written by their ordinal into collection configurations, the WAL, vector chunk
 * headers and Raft entries, so their order is part of the format: a constant is only ever added at
 * the end. This test pins the order; the codecs that write ordinals say so where they do.
 */
class EnumCodesTest {
  @Test
  void theOrderOfEveryEnumWrittenByOrdinalIsFixed() {
    assertThat(Distance.values())
        .extracting(Enum::name)
        .containsExactly("COSINE", "EUCLID", "DOT", "MANHATTAN");
    assertThat(VectorDatatype.values())
        .extracting(Enum::name)
        .containsExactly("FLOAT32", "FLOAT16", "UINT8");
    assertThat(ShardingMethod.values()).extracting(Enum::name).containsExactly("AUTO", "CUSTOM");
    assertThat(SparseVectorParams.Modifier.values())
        .extracting(Enum::name)
        .containsExactly("NONE", "IDF");
    assertThat(SparseVectorParams.Memory.values())
        .extracting(Enum::name)
        .containsExactly("COLD", "CACHED", "PINNED");
    assertThat(Quantization.BinaryEncoding.values())
        .extracting(Enum::name)
        .containsExactly("ONE_BIT", "TWO_BITS", "ONE_AND_HALF_BITS");
    assertThat(Quantization.BinaryQueryEncoding.values())
        .extracting(Enum::name)
        .containsExactly("DEFAULT", "BINARY", "SCALAR4BITS", "SCALAR8BITS");
    assertThat(UpdateOp.Upsert.Mode.values())
        .extracting(Enum::name)
        .containsExactly("UPSERT", "INSERT_ONLY", "UPDATE_ONLY");
  }
}
