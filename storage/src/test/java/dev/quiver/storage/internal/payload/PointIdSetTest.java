package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.PointId;
import dev.quiver.testing.TestSeed;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PointIdSetTest {
  @Test
  void behavesAsAHashSetUnderRandomAddsAndRemoves() {
    Random r = new Random(TestSeed.of("behavesAsAHashSetUnderRandomAddsAndRemoves"));
    PointIdSet set = new PointIdSet();
    Set<PointId> model = new HashSet<>();
    // a few hundred distinct values, so that ids come and go and removed slots are reused; the
    // two marker values of the table among them
    long[] values = new long[300];
    for (int i = 0; i < values.length; i++) {
      values[i] = r.nextLong();
    }
    values[0] = 0L;
    values[1] = Long.MIN_VALUE;
    values[2] = -1L;
    UUID[] uuids = {UUID.randomUUID(), UUID.randomUUID()};
    for (int step = 0; step < 50_000; step++) {
      PointId id =
          r.nextInt(50) == 0
              ? new PointId.Uuid(uuids[r.nextInt(uuids.length)])
              : new PointId.Num(values[r.nextInt(values.length)]);
      if (r.nextInt(3) == 0) {
        assertThat(set.remove(id)).isEqualTo(model.remove(id));
      } else {
        assertThat(set.add(id)).isEqualTo(model.add(id));
      }
      if (step % 997 == 0) {
        assertThat(set).hasSameSizeAs(model);
        assertThat(new HashSet<>(set)).isEqualTo(model);
      }
    }
    for (long v : values) {
      assertThat(set.contains(new PointId.Num(v))).isEqualTo(model.contains(new PointId.Num(v)));
    }
    assertThat(set).isEqualTo(model); // AbstractSet's equality: size and membership
    assertThat(set.hashCode()).isEqualTo(model.hashCode());
  }

  @Test
  void growsFromEmptyAndEmptiesAgain() {
    PointIdSet set = new PointIdSet();
    assertThat(set).isEmpty();
    for (long v = 1; v <= 100_000; v++) {
      assertThat(set.add(new PointId.Num(v))).isTrue();
    }
    assertThat(set).hasSize(100_000);
    assertThat(set.contains(new PointId.Num(100_001))).isFalse();
    for (long v = 1; v <= 100_000; v++) {
      assertThat(set.remove(new PointId.Num(v))).isTrue();
    }
    assertThat(set).isEmpty();
    assertThat(set.iterator().hasNext()).isFalse();
    assertThat(set.contains(new PointId.Num(5))).isFalse();
  }

  @Test
  void readersNeverMissAnIdThatStaysWhileTheWriterChurnsAndGrows() throws Exception {
    Random r = new Random(TestSeed.of("readersNeverMissAnIdThatStaysWhileTheWriterChurnsAndGrows"));
    PointIdSet set = new PointIdSet();
    long[] stay = new long[2000];
    for (int i = 0; i < stay.length; i++) {
      stay[i] = 1_000_000_000L + i * 7919L;
      set.add(new PointId.Num(stay[i]));
    }
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<String> missed = new AtomicReference<>();
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  Random rr = new Random(1);
                  while (!done.get() && missed.get() == null) {
                    long v = stay[rr.nextInt(stay.length)];
                    if (!set.contains(new PointId.Num(v))) {
                      missed.set("id " + v + " was not found");
                    }
                  }
                });
    // the writer adds and removes other ids, growing and rebuilding the table many times
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (int round = 0; round < 200 && System.nanoTime() < end; round++) {
      long base = r.nextLong() & 0xFFFFFFFL;
      for (int i = 0; i < 5000; i++) {
        set.add(new PointId.Num(base + i));
      }
      for (int i = 0; i < 5000; i++) {
        set.remove(new PointId.Num(base + i));
      }
    }
    done.set(true);
    reader.join(10_000);
    assertThat(missed.get()).isNull();
    assertThat(set).hasSize(stay.length);
  }
}
