package dev.quiver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.qdrant.client.grpc.Points;
import org.junit.jupiter.api.Test;

class ProtoHeapCostTest {
  @Test
  void emptySubMessagesCostAnObjectEach() {
    Points.UpsertPoints.Builder b = Points.UpsertPoints.newBuilder().setCollectionName("c");
    for (int i = 0; i < 10_000; i++) {
      b.addPoints(Points.PointStruct.getDefaultInstance());
    }
    byte[] wire = b.build().toByteArray();
    long cost = ProtoHeapCost.of(wire, Points.UpsertPoints.getDescriptor());
    assertThat(cost).isGreaterThanOrEqualTo(10_000L * ProtoHeapCost.MESSAGE);
    assertThat(cost).isGreaterThan(30L * wire.length);
  }

  @Test
  void packedFloatsCostTheirBytesAndStringsTheirCharacters() {
    Points.DenseVector.Builder v = Points.DenseVector.newBuilder();
    for (int i = 0; i < 10_000; i++) {
      v.addData(i);
    }
    byte[] wire = v.build().toByteArray();
    assertThat(ProtoHeapCost.of(wire, Points.DenseVector.getDescriptor()))
        .isBetween(40_000L, 40_000L + 2 * ProtoHeapCost.MESSAGE);

    byte[] keys =
        Points.DeletePayloadPoints.newBuilder()
            .setCollectionName("c")
            .addKeys("k".repeat(100_000))
            .build()
            .toByteArray();
    assertThat(ProtoHeapCost.of(keys, Points.DeletePayloadPoints.getDescriptor()))
        .isGreaterThanOrEqualTo(100_000L);
  }

  @Test
  void malformedBytesCostTheirLength() {
    byte[] truncated = {0x1a, 0x7f, 0x01};
    assertThat(ProtoHeapCost.of(truncated, Points.UpsertPoints.getDescriptor())).isEqualTo(3);
  }
}
