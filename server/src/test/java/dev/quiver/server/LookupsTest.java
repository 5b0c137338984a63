package dev.quiver.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.qdrant.client.grpc.Common;
import io.qdrant.client.grpc.Points;
import org.junit.jupiter.api.Test;

class LookupsTest {
  @Test
  void onlyTypesThatCanNameAnotherCollectionAreWalked() {
    assertThat(Lookups.mayRefer(Points.QueryPoints.getDescriptor())).isTrue(); // lookup_from
    assertThat(Lookups.mayRefer(Points.PrefetchQuery.getDescriptor())).isTrue(); // nested
    assertThat(Lookups.mayRefer(Points.QueryPointGroups.getDescriptor())).isTrue(); // with_lookup
    assertThat(Lookups.mayRefer(Points.DenseVector.getDescriptor())).isFalse();
    assertThat(Lookups.mayRefer(Common.Filter.getDescriptor())).isFalse(); // recursive, no lookup
  }

  @Test
  void lookupsInNestedPrefetchesAreFound() {
    var q =
        Points.QueryPoints.newBuilder()
            .setCollectionName("a")
            .setQuery(io.qdrant.client.QueryFactory.nearest(1f, 2f))
            .addPrefetch(
                Points.PrefetchQuery.newBuilder()
                    .addPrefetch(
                        Points.PrefetchQuery.newBuilder()
                            .setLookupFrom(
                                Points.LookupLocation.newBuilder().setCollectionName("secret"))))
            .build();
    assertThat(Lookups.of(q)).containsExactly("secret");
  }
}
