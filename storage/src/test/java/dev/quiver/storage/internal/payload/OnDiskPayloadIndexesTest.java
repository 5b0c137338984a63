package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Value;
import dev.quiver.testing.TestSeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Indexes asked to be {@code on_disk} narrow every condition to exactly the candidates the same
 * indexes on the heap give, and every filter to a superset of the points that pass it (exactly them
 * when they say so), through payload changes and deletes that merge their files many times; they
 * keep files only while they exist, and at most the changes since a merge on the heap.
 */
class OnDiskPayloadIndexesTest {
  @TempDir Path dir;

  @Test
  void onDiskIndexesNarrowAsHeapIndexesDoThroughMerges() throws IOException {
    long seed = TestSeed.of("onDiskIndexesNarrowAsHeapIndexesDoThroughMerges");
    Random r = new Random(seed);
    int mergeAfter = 16;
    Path home = dir.resolve("payload-index");
    PayloadIndexes heap = new PayloadIndexes();
    PayloadIndexes disk = new PayloadIndexes(home, mergeAfter);
    Map<PointId, Value.Struct> points = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      points.put(PointId.of(i), PayloadIndexesTest.payload(r));
    }
    heap.define(PayloadIndexesTest.everyType(false), points.entrySet());
    disk.define(PayloadIndexesTest.everyType(true), points.entrySet());
    for (int step = 0; step < 2_000; step++) {
      PointId p = PointId.of(r.nextInt(400));
      Value.Struct old = points.get(p);
      Value.Struct now = r.nextInt(6) == 0 ? null : PayloadIndexesTest.payload(r);
      heap.update(p, old, now);
      disk.update(p, old, now);
      if (now == null) {
        points.remove(p);
      } else {
        points.put(p, now);
      }
      // eight fields, each merging after its own sixteen changes
      assertThat(disk.heapPostings()).isLessThanOrEqualTo(8L * (mergeAfter + 8));
      if (step % 10 == 0) {
        Filter f = PayloadIndexesTest.filter(r);
        String what = "step " + step + " " + f;
        // each condition alone narrows to exactly the heap index's candidates
        for (Condition c : conditions(f)) {
          Filter one = new Filter(List.of(c), List.of(), List.of(), null);
          var expected = heap.candidates(one);
          var actual = disk.candidates(one);
          if (expected == null) {
            assertThat(actual).as(what + " " + c).isNull();
            continue;
          }
          assertThat(actual).as(what + " " + c).isNotNull();
          assertThat(actual.exact()).as(what + " " + c).isEqualTo(expected.exact());
          assertThat(actual.ids()).as(what + " " + c).isEqualTo(expected.ids());
          for (PointId id : points.keySet()) {
            assertThat(actual.contains(id))
                .as(what + " " + c + " " + id)
                .isEqualTo(expected.contains(id));
          }
        }
        // the whole filter: a superset of the points that pass it (the smallest condition's
        // candidates, by estimates that count the file's outdated postings too), exactly them
        // when the index says so
        var whole = disk.candidates(f);
        Set<PointId> passing = new HashSet<>();
        var context = new Filters.Context(heap.textFields(), name -> true);
        points.forEach(
            (id, payload) -> {
              if (Filters.test(f, id, payload, context)) {
                passing.add(id);
              }
            });
        assertThat(whole == null).as(what).isEqualTo(heap.candidates(f) == null);
        if (whole != null) {
          assertThat(whole.ids()).as(what).containsAll(passing);
          if (whole.exact()) {
            assertThat(whole.ids()).as(what).isEqualTo(passing);
          }
        }
      }
    }
    assertThat(heap.heapPostings()).isGreaterThan(1_000);
    // dropping the on-disk indexes (here: making them heap ones) deletes their files
    disk.define(PayloadIndexesTest.everyType(false), points.entrySet());
    try (Stream<Path> left = Files.walk(home)) {
      assertThat(left.filter(Files::isRegularFile).toList()).isEmpty();
    }
    assertThat(disk.heapPostings()).isEqualTo(heap.heapPostings());
  }

  /** The conditions of a filter and of the filters nested in it. */
  private static List<Condition> conditions(Filter f) {
    List<Condition> out = new ArrayList<>();
    for (List<Condition> part : List.of(f.must(), f.should(), f.mustNot())) {
      for (Condition c : part) {
        if (c instanceof Condition.Sub sub) {
          out.addAll(conditions(sub.filter()));
        } else {
          out.add(c);
        }
      }
    }
    return out;
  }

  @Test
  void anIndexWithoutOnDiskStaysOnTheHeap() {
    PayloadIndexes disk = new PayloadIndexes(dir.resolve("p"), 4);
    TreeMap<String, PayloadIndexSpec> specs = new TreeMap<>();
    specs.put("city", new PayloadIndexSpec("keyword", null));
    Map<PointId, Value.Struct> points = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      points.put(PointId.of(i), new Value.Struct(Map.of("city", new Value.Str("c" + (i % 3)))));
    }
    disk.define(specs, points.entrySet());
    assertThat(disk.heapPostings()).isEqualTo(50);
    assertThat(dir.resolve("p")).doesNotExist();
  }
}
