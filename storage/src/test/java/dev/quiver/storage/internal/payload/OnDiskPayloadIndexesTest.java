package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Value;
import dev.quiver.testing.TestSeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Indexes asked to be {@code on_disk} narrow every filter to exactly the candidates the same
 * indexes on the heap give, through payload changes and deletes that merge their files many times;
 * they keep files only while they exist, and at most the changes since a merge on the heap.
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
        var expected = heap.candidates(f);
        var actual = disk.candidates(f);
        String what = "step " + step + " " + f;
        if (expected == null) {
          assertThat(actual).as(what).isNull();
          continue;
        }
        assertThat(actual).as(what).isNotNull();
        assertThat(actual.exact()).as(what).isEqualTo(expected.exact());
        assertThat(actual.ids()).as(what).isEqualTo(expected.ids());
        for (PointId id : points.keySet()) {
          assertThat(actual.contains(id)).as(what + " " + id).isEqualTo(expected.contains(id));
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
