package dev.quiver.server.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.testing.TestSeed;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.grpc.Common;
import io.qdrant.client.grpc.Points;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

public class LookupsTest {
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
            .setQuery(QueryFactory.nearest(1f, 2f))
            .addPrefetch(
                Points.PrefetchQuery.newBuilder()
                    .addPrefetch(
                        Points.PrefetchQuery.newBuilder()
                            .setLookupFrom(
                                Points.LookupLocation.newBuilder().setCollectionName("secret"))))
            .build();
    assertThat(Lookups.of(q)).containsExactly("secret");
  }

  /** A lookup below the 32nd prefetch level was not checked: every level must be. */
  @Test
  void aLookupBelowAnyDepthIsFound() {
    ObjectNode root = JSON.createObjectNode().put("limit", 1);
    ObjectNode level = root;
    for (int i = 0; i < 40; i++) {
      ObjectNode next = JSON.createObjectNode();
      level.set("prefetch", next);
      level = next;
    }
    level.putObject("lookup_from").put("collection", "B");
    assertThat(Lookups.of(root)).containsExactly("B");
  }

  /**
   * Random query trees (prefetch lists and single prefetches, nested up to the parsers' limits,
   * batch {@code searches}, {@code with_lookup} in both forms): the walk finds exactly the
   * collections planted, in JSON and in protobuf. The seed is printed and can be replayed with
   * {@code -Dlookups.seed=N}.
   */
  @Test
  void randomQueryTreesYieldEveryPlantedCollection() {
    long seed = TestSeed.of("randomQueryTreesYieldEveryPlantedCollection");
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int round = 0; round < 300; round++) {
      List<String> plantedJson = new ArrayList<>();
      ObjectNode body = jsonTree(rnd, 0, 1 + rnd.nextInt(110), plantedJson);
      if (rnd.nextInt(4) == 0) {
        ArrayNode searches = JSON.createArrayNode().add(body);
        for (int i = rnd.nextInt(3); i > 0; i--) {
          searches.add(jsonTree(rnd, 0, 1 + rnd.nextInt(20), plantedJson));
        }
        body = JSON.createObjectNode();
        body.set("searches", searches);
      }
      assertThat(Lookups.of(body))
          .as("seed %d round %d", seed, round)
          .containsExactlyInAnyOrderElementsOf(plantedJson);

      List<String> plantedProto = new ArrayList<>();
      var query = Points.QueryPoints.newBuilder().setCollectionName("a");
      for (int i = rnd.nextInt(3); i >= 0; i--) {
        query.addPrefetch(protoTree(rnd, 0, 1 + rnd.nextInt(45), plantedProto));
      }
      if (rnd.nextBoolean()) {
        String c = "p" + rnd.nextInt(1000);
        plantedProto.add(c);
        query.setLookupFrom(Points.LookupLocation.newBuilder().setCollectionName(c));
      }
      assertThat(Lookups.of(query.build()))
          .as("seed %d round %d", seed, round)
          .containsExactlyInAnyOrderElementsOf(plantedProto);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode jsonTree(
      SplittableRandom rnd, int depth, int maxDepth, List<String> planted) {
    ObjectNode n = JSON.createObjectNode().put("limit", 10);
    if (rnd.nextInt(3) == 0) {
      String c = "c" + rnd.nextInt(1000);
      planted.add(c);
      n.putObject("lookup_from").put("collection", c);
    }
    if (depth == 0 && rnd.nextInt(4) == 0) {
      String c = "g" + rnd.nextInt(1000);
      planted.add(c);
      if (rnd.nextBoolean()) {
        n.put("with_lookup", c);
      } else {
        n.putObject("with_lookup").put("collection", c);
      }
    }
    if (depth + 1 < maxDepth) {
      if (rnd.nextBoolean()) {
        n.set("prefetch", jsonTree(rnd, depth + 1, maxDepth, planted));
      } else {
        ArrayNode list = n.putArray("prefetch");
        list.add(jsonTree(rnd, depth + 1, maxDepth, planted));
        if (rnd.nextInt(8) == 0) {
          list.add(jsonTree(rnd, depth + 1, Math.min(maxDepth, depth + 4), planted));
        }
      }
    }
    return n;
  }

  private static Points.PrefetchQuery protoTree(
      SplittableRandom rnd, int depth, int maxDepth, List<String> planted) {
    var n = Points.PrefetchQuery.newBuilder().setLimit(10).setQuery(QueryFactory.nearest(1f, 2f));
    if (rnd.nextInt(3) == 0) {
      String c = "c" + rnd.nextInt(1000);
      planted.add(c);
      n.setLookupFrom(Points.LookupLocation.newBuilder().setCollectionName(c));
    }
    if (depth + 1 < maxDepth) {
      n.addPrefetch(protoTree(rnd, depth + 1, maxDepth, planted));
      if (rnd.nextInt(8) == 0) {
        n.addPrefetch(protoTree(rnd, depth + 1, Math.min(maxDepth, depth + 4), planted));
      }
    }
    return n.build();
  }
}
